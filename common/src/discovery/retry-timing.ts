/** The waits a discovery client keeps to: a doubling backoff between retries, a bound on a call made while stopping. */

/** A doubling backoff's bounds, as the `discovery:` keys name them. */
export interface BackoffBounds {
  backoffInitialMs: number;
  backoffMaxMs: number;
}

/** The wait after `failures` failures in a row (1 or more): `backoffInitialMs`, doubling, capped at `backoffMaxMs`. */
export function backoffMs(failures: number, bounds: BackoffBounds): number {
  return Math.min(bounds.backoffMaxMs, bounds.backoffInitialMs * 2 ** Math.max(0, failures - 1));
}

/** `work`'s outcome, or a rejection once `timeoutMs` passes without one: a stopping service waits no longer. */
export async function answerWithin<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
