/** A sink process for the durability suite: started through bash so that a file-size limit (`ulimit -f`) can stand in for a full disk. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mainScript } from '@infermesh/common';

/** A running sink process. */
export interface SinkProcess {
  address: string;
  child: ChildProcess;
  /** The process's log lines, parsed. */
  lines: Record<string, unknown>[];
  exited: Promise<number | NodeJS.Signals>;
  /** SIGKILL, then waits for the exit. */
  kill9(): Promise<void>;
}

/** Starts `node sink/dist/main.js` with `configFile`; with `fileSizeLimitKiB`, no file it writes can grow past that. */
export async function startSinkProcess(configFile: string, fileSizeLimitKiB?: number): Promise<SinkProcess> {
  const limit = fileSizeLimitKiB === undefined ? '' : `ulimit -f ${fileSizeLimitKiB}; `;
  const child = spawn('bash', ['-c', `${limit}exec "$NODE" "$SCRIPT"`], {
    env: { ...process.env, NODE: process.execPath, SCRIPT: mainScript('@infermesh/sink'), INFERMESH_CONFIG: configFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | NodeJS.Signals>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 0)));
  const lines: Record<string, unknown>[] = [];
  const stderr: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => stderr.push(line));
  const address = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      const record = JSON.parse(line) as Record<string, unknown>;
      lines.push(record);
      if (record.msg === 'listening' && typeof record.address === 'string') resolve(record.address);
    });
    void exited.then((code) => reject(new Error(`the sink exited (${code}) before it listened: ${[...lines.map((l) => JSON.stringify(l)), ...stderr].slice(-10).join('\n')}`)));
  });
  return {
    address,
    child,
    lines,
    exited,
    kill9: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
