/** Retry delays: exponential with jitter, so that many clients retrying at once spread out. */

/** The bounds of a backoff: the first delay, and the most it grows to. */
export interface RetryDelays {
  initialDelayMs: number;
  maxDelayMs: number;
}

/**
 * Delay before attempt `attempt + 1` after `attempt` failures: initialDelayMs doubled per
 * failure, capped at maxDelayMs, then drawn uniformly from its upper half ("equal jitter":
 * never less than half the nominal delay, so a peer that is down is not hammered).
 */
export function retryDelayMs(attempt: number, delays: RetryDelays, random: () => number = Math.random): number {
  // The exponent is capped so that a long outage does not overflow to Infinity.
  const nominal = Math.min(delays.maxDelayMs, delays.initialDelayMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(nominal / 2 + random() * (nominal / 2));
}
