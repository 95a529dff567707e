/**
 * Outlier ejection of one runner: after `consecutiveFailures` calls in a row that failed on
 * the runner's side (UNAVAILABLE, INTERNAL, UNKNOWN, DATA_LOSS), picks leave it out for
 * `cooldownMs`; then it takes calls again, and is ejected again if it keeps failing. The
 * caller's faults (INVALID_ARGUMENT, NOT_FOUND, deadlines, cancellations) and overload
 * (RESOURCE_EXHAUSTED) neither count nor reset the count; an answered call resets it, and
 * so does a runner that answers Status again after it did not (restarted, not failing).
 */
import * as grpc from '@grpc/grpc-js';

/** When a runner is ejected and for how long. */
export interface OutlierPolicy {
  consecutiveFailures: number;
  cooldownMs: number;
}

/** 5 failures in a row eject a runner for 10 s. */
export const OUTLIER_DEFAULTS: OutlierPolicy = { consecutiveFailures: 5, cooldownMs: 10_000 };

/** Statuses that say the runner itself is failing. */
const RUNNER_FAULTS: ReadonlySet<grpc.status> = new Set([grpc.status.UNAVAILABLE, grpc.status.INTERNAL, grpc.status.UNKNOWN, grpc.status.DATA_LOSS]);

export class OutlierState {
  private failures = 0;
  private ejectedUntil = 0;
  /** Times the runner was ejected. */
  ejections = 0;

  constructor(
    private readonly policy: OutlierPolicy = OUTLIER_DEFAULTS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts the outcome of one call the runner was sent. */
  record(code: grpc.status): void {
    if (code === grpc.status.OK) {
      this.failures = 0;
      return;
    }
    if (!RUNNER_FAULTS.has(code)) return;
    this.failures++;
    if (this.failures < this.policy.consecutiveFailures) return;
    this.failures = 0;
    this.ejectedUntil = this.now() + this.policy.cooldownMs;
    this.ejections++;
  }

  /** Forgets the failures and any ejection: the runner came back as a new process. */
  reset(): void {
    this.failures = 0;
    this.ejectedUntil = 0;
  }

  /** True while the runner sits out its cool-down. */
  get ejected(): boolean {
    return this.ejectedUntil > 0 && this.now() < this.ejectedUntil;
  }
}
