/**
 * Latency histogram buckets of the gateway's per-version reports: upper bounds growing by
 * 25 % from 0.1 ms to about two minutes, so a p99 read from them is within 25 %.
 */

const FIRST_MS = 0.1;
const GROWTH = 1.25;
const COUNT = 64;

/** Upper bound (ms) of each bucket; the last one (about 127 s) also takes everything slower. */
export const LATENCY_BOUNDS_MS: readonly number[] = Array.from({ length: COUNT }, (_, i) => Number((FIRST_MS * GROWTH ** i).toPrecision(6)));

/** The bucket a latency falls in. */
export function latencyBucket(ms: number): number {
  if (!(ms > FIRST_MS)) return 0;
  const index = Math.ceil(Math.log(ms / FIRST_MS) / Math.log(GROWTH));
  // Rounding of the bounds can put a value one bucket low.
  const fixed = index < COUNT && ms > LATENCY_BOUNDS_MS[index]! ? index + 1 : index;
  return Math.min(fixed, COUNT - 1);
}
