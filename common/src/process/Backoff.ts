/** How long to wait before starting a process that died: doubling, capped, reset by a long run. */

/** Delays of a {@link Backoff}. */
export interface BackoffPolicy {
  /** Delay after the first death, and after a run of at least `resetAfterMs`. */
  initialMs: number;
  /** Largest delay. */
  maxMs: number;
  /** A run at least this long counts as healthy and resets the delay. */
  resetAfterMs: number;
}

/** 100 ms doubling to 10 s; a process that stayed up 30 s starts again at 100 ms. */
export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 100, maxMs: 10_000, resetAfterMs: 30_000 };

/** Exponential backoff for one process's restarts. */
export class Backoff {
  private nextMs: number;

  constructor(private readonly policy: BackoffPolicy = DEFAULT_BACKOFF) {
    this.nextMs = policy.initialMs;
  }

  /** The delay before the next start of a process that ran `uptimeMs` before it died. */
  delayAfter(uptimeMs: number): number {
    if (uptimeMs >= this.policy.resetAfterMs) this.nextMs = this.policy.initialMs;
    const delay = this.nextMs;
    this.nextMs = Math.min(this.nextMs * 2, this.policy.maxMs);
    return delay;
  }
}
