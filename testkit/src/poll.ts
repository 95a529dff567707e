/** Polling a condition with a deadline (no fixed sleeps): the only way tests wait. */

/**
 * Calls `check` every `intervalMs` until it returns true; resolves with the time that took,
 * or rejects after `timeoutMs` with `what` and the last value `describe` gives.
 */
export async function pollUntil(
  check: () => Promise<boolean> | boolean,
  options: { timeoutMs: number; intervalMs?: number; what: string; describe?: () => Promise<unknown> | unknown },
): Promise<number> {
  const started = performance.now();
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    if (await check()) return performance.now() - started;
    if (Date.now() > deadline) {
      const last = options.describe ? ` (last: ${JSON.stringify(await options.describe())})` : '';
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${options.what}${last}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 100));
  }
}

/** Waits until `check` resolves true (a rejection counts as false), polling every 50 ms. */
export async function waitFor(check: () => Promise<boolean>, timeoutMs = 30_000, what = 'condition'): Promise<void> {
  await pollUntil(() => check().catch(() => false), { timeoutMs, intervalMs: 50, what });
}
