/** The suite's handle on one external client process (caller.ts). */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { CallerReport } from './caller.js';

export interface CallerProcess {
  pid: number;
  /** Calls answered so far (to the last 100). */
  answered(): number;
  /** Sends a line (`mark`, `mark-at-failure`, `unmark`) to the client. */
  tell(command: 'mark' | 'mark-at-failure' | 'unmark'): void;
  /** Stops the calls and returns the client's report. */
  stop(): Promise<CallerReport>;
}

/** Starts the client calling `simple` on `gateways` from `concurrency` callers, with request ids `<prefix>-<n>`. */
export function startCaller(gateways: string[], concurrency: number, prefix: string): CallerProcess {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./caller.js', import.meta.url)), gateways.join(','), 'simple', String(concurrency), prefix], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let answered = 0;
  let report: CallerReport | undefined;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (line.startsWith('progress ')) answered = Number(line.slice('progress '.length));
    else if (line.startsWith('{')) {
      try {
        report = JSON.parse(line) as CallerReport;
      } catch {
        // A cut report counts as none.
      }
    }
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    pid: child.pid!,
    answered: () => answered,
    tell: (command) => child.stdin!.write(`${command}\n`),
    stop: async () => {
      child.stdin!.end('stop\n');
      await exited;
      if (!report) throw new Error(`the client process (${prefix}) gave no report`);
      return report;
    },
  };
}
