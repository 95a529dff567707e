/** Retry delays: exponential with jitter, so that many workers retrying at once spread out. */
import type { RetryConfig } from '../destinations/destination-config.js';

/**
 * Delay before attempt `attempt + 1` after `attempt` failures: initialDelayMs doubled per
 * failure, capped at maxDelayMs, then drawn uniformly from its upper half ("equal jitter":
 * never less than half the nominal delay, so a dead destination is not hammered).
 */
export function retryDelayMs(attempt: number, retry: Pick<RetryConfig, 'initialDelayMs' | 'maxDelayMs'>, random = Math.random): number {
  const nominal = Math.min(retry.maxDelayMs, retry.initialDelayMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(nominal / 2 + random() * (nominal / 2));
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
