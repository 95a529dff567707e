/** The bench's command line: the window of every row and the length of the long run. */
import type { Window } from './measure.js';

/** What one run is asked to do. */
export interface Options extends Window {
  /** Calls of the long run that watches the gateway's RSS (after its warm-up calls). */
  longRunCalls: number;
}

export const USAGE =
  'usage: node bench/dist/main.js [--warmup <s>] [--seconds <s>] [--long-run-calls <n>] [--quick]  (run from the repository root)';

const DEFAULTS: Options = { warmupSeconds: 1, measureSeconds: 4, longRunCalls: 200_000 };
/** --quick: a smoke run of every section, its figures too short to judge by. */
const QUICK: Options = { warmupSeconds: 0.3, measureSeconds: 1, longRunCalls: 10_000 };

const FLAGS: Record<string, keyof Options> = { '--warmup': 'warmupSeconds', '--seconds': 'measureSeconds', '--long-run-calls': 'longRunCalls' };

/** A mistake in the command line: reported without a stack. */
export class UsageError extends Error {}

/** Flags given explicitly win over --quick, wherever they stand. */
export function parseArgs(argv: readonly string[]): Options {
  const given: Partial<Options> = {};
  let quick = false;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const key = FLAGS[flag];
    if (flag === '--quick') quick = true;
    else if (key) {
      const value = Number(argv[++i]);
      const positive = Number.isFinite(value) && (key === 'warmupSeconds' ? value >= 0 : value > 0);
      const integer = key !== 'longRunCalls' || Number.isInteger(value);
      if (!positive || !integer) throw new UsageError(`${flag} needs a positive ${integer ? 'number' : 'whole number'}\n${USAGE}`);
      given[key] = value;
    } else throw new UsageError(`unknown argument '${flag}'\n${USAGE}`);
  }
  return { ...(quick ? QUICK : DEFAULTS), ...given };
}

/** Warm-up calls before the long run: a tenth of it, at least a thousand. */
export const longRunWarmupCalls = (calls: number): number => Math.max(1_000, Math.round(calls / 10));
