/**
 * Calls, errors and latency of one model version over the last minute, in one-second
 * buckets on the gateway's latency scale: fixed memory per version, no per-call allocation.
 * p99 is the bound of the scale's bucket that holds it, so it is accurate to within 13 %.
 */
import { LATENCY_BUCKETS, quantileMs } from './latency-scale.js';

const SECONDS = 60;

class Second {
  epoch = -1;
  calls = 0;
  errors = 0;
  serverErrors = 0;
  readonly latency = new Uint32Array(LATENCY_BUCKETS);

  reset(epoch: number): void {
    this.epoch = epoch;
    this.calls = 0;
    this.errors = 0;
    this.serverErrors = 0;
    this.latency.fill(0);
  }
}

/** What a window holds, summarised. */
export interface WindowSummary {
  /** Calls per second over the window (or over the window's age, when younger than a minute). */
  rate: number;
  /** Share of calls that failed, 0..1 (0 with no calls). */
  errorRate: number;
  calls: number;
  errors: number;
  /** Failed calls that were the version's doing, not the caller's (what a rollback policy counts). */
  serverErrors: number;
  /** 99th percentile latency in ms (upper bound of its bucket); 0 with no calls. */
  p99Ms: number;
  /** Per second, oldest first: calls, failed calls and p99 ms (0 when none), for charts. */
  series: { calls: number; errors: number; p99Ms: number }[];
}

export class RollingWindow {
  private readonly seconds = Array.from({ length: SECONDS }, () => new Second());
  /** When the first call was recorded: a window younger than a minute divides by its age. */
  private firstEpoch = -1;

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Counts a call in bucket `bucket` of the latency scale (the caller found it once for every
   * count it keeps); `serverError`: it failed on the version's side.
   */
  record(bucket: number, failed: boolean, serverError = false): void {
    const epoch = Math.floor(this.now() / 1000);
    if (this.firstEpoch < 0) this.firstEpoch = epoch;
    const second = this.seconds[epoch % SECONDS]!;
    if (second.epoch !== epoch) second.reset(epoch);
    second.calls++;
    if (failed) second.errors++;
    if (serverError) second.serverErrors++;
    second.latency[bucket]!++;
  }

  summary(): WindowSummary {
    const current = Math.floor(this.now() / 1000);
    const merged = new Uint32Array(LATENCY_BUCKETS);
    let calls = 0;
    let errors = 0;
    let serverErrors = 0;
    const series: WindowSummary['series'] = [];
    for (let epoch = current - SECONDS + 1; epoch <= current; epoch++) {
      const second = this.seconds[epoch % SECONDS]!;
      if (second.epoch !== epoch) {
        series.push({ calls: 0, errors: 0, p99Ms: 0 });
        continue;
      }
      calls += second.calls;
      errors += second.errors;
      serverErrors += second.serverErrors;
      for (let i = 0; i < LATENCY_BUCKETS; i++) merged[i]! += second.latency[i]!;
      series.push({ calls: second.calls, errors: second.errors, p99Ms: quantileMs(second.latency, second.calls, 0.99) });
    }
    return {
      rate: calls / Math.min(SECONDS, this.firstEpoch < 0 ? SECONDS : current - this.firstEpoch + 1),
      errorRate: calls === 0 ? 0 : errors / calls,
      calls,
      errors,
      serverErrors,
      p99Ms: quantileMs(merged, calls, 0.99),
      series,
    };
  }
}
