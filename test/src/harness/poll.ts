/** Polls a condition with a deadline (no fixed sleeps), returning when it held. */

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
