/** Closed-loop load generator: N callers back to back for a fixed time after a warm-up, with latency percentiles. */
import { percentile } from '@infermesh/common';

/** How to drive one target. */
export interface LoadOptions {
  /** Callers running at once; each starts its next call when its last one answers. */
  concurrency: number;
  warmupMs: number;
  measureMs: number;
  /** Called synchronously when the measured window opens and closes (e.g. to sample CPU time). */
  onMeasureStart?: () => void;
  onMeasureEnd?: () => void;
}

/** What one measured window gave. */
export interface LoadResult {
  /** Calls answered inside the window. */
  requests: number;
  /** Length of the window as timed, in seconds. */
  seconds: number;
  /** requests / seconds. */
  throughput: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

const now = (): bigint => process.hrtime.bigint();

/** The one percentile of benchmarks and replay reports, re-exported for the benchmarks' other modules. */
export { percentile };

/**
 * Runs `call` from `concurrency` callers in a closed loop. Throughput counts the calls
 * answered inside the window; latencies are those of calls both sent and answered inside it.
 * The first failed call stops every caller and is thrown.
 */
export async function closedLoop(call: () => Promise<void>, options: LoadOptions): Promise<LoadResult> {
  let phase: 'warmup' | 'measure' | 'done' = 'warmup';
  let windowStart = 0n;
  let windowEnd = 0n;
  let answered = 0;
  let failure: { error: unknown } | undefined;
  const latencies: number[] = [];

  const openTimer = setTimeout(() => {
    options.onMeasureStart?.();
    windowStart = now();
    phase = 'measure';
  }, options.warmupMs);
  const closeTimer = setTimeout(() => {
    windowEnd = now();
    phase = 'done';
    options.onMeasureEnd?.();
  }, options.warmupMs + options.measureMs);

  const caller = async (): Promise<void> => {
    while (phase !== 'done' && !failure) {
      const sent = now();
      try {
        await call();
      } catch (error) {
        failure ??= { error };
        return;
      }
      if (phase !== 'measure') continue;
      answered++;
      if (sent >= windowStart) latencies.push(Number(now() - sent) / 1e6);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, caller));
  clearTimeout(openTimer);
  clearTimeout(closeTimer);
  if (failure) throw failure.error;

  const sorted = Float64Array.from(latencies).sort();
  const seconds = Number(windowEnd - windowStart) / 1e9;
  return {
    requests: answered,
    seconds,
    throughput: answered / seconds,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    maxMs: percentile(sorted, 1),
  };
}
