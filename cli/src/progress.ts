/**
 * A progress bar on stderr for long waits (an upload, versions loading on runners), drawn
 * only when stderr is a terminal so that scripts and logs get plain lines.
 */
import cliProgress from 'cli-progress';
import { outputFormat } from './output.js';

/** A bar that can be advanced and stopped; a no-op when not drawn. */
export interface Progress {
  update(value: number, total?: number): void;
  stop(): void;
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** Draws `label [bar] 42% | 12.0/30.0 MiB` (bytes), `label [bar] 1/2 runners` or `label [bar] 10/100 calls`; nothing with `-o json`. */
export function progressBar(label: string, total: number, unit: 'bytes' | 'runners' | 'calls'): Progress {
  if (!process.stderr.isTTY || outputFormat() === 'json') return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} [{bar}] {percentage}% | {done}/{all}`,
      hideCursor: true,
      clearOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  );
  const text = (value: number) => (unit === 'bytes' ? mib(value) : `${value}`);
  const suffix = unit === 'bytes' ? '' : ` ${unit}`;
  bar.start(total, 0, { done: text(0), all: `${text(total)}${suffix}` });
  let stopped = false;
  return {
    update(value, newTotal) {
      if (stopped) return;
      if (newTotal !== undefined && newTotal !== total) {
        total = newTotal;
        bar.setTotal(total);
      }
      bar.update(value, { done: text(value), all: `${text(total)}${suffix}` });
    },
    stop() {
      if (stopped) return;
      stopped = true;
      bar.stop();
    },
  };
}
