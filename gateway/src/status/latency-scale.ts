/**
 * The one latency scale of the gateway: the Prometheus histogram, the status window's p99
 * and the registry's reports all count calls in these buckets, so a call is placed once.
 * Each decade from 0.01 ms to 100 s has the same 21 bounds, Prometheus' usual 1, 2.5 and 5
 * among them; a bound is at most 13 % above the one before, so a percentile read from the
 * buckets is within 13 %.
 */

const MANTISSAS = [1, 1.12, 1.25, 1.4, 1.5, 1.6, 1.8, 2, 2.25, 2.5, 2.8, 3.15, 3.55, 4, 4.5, 5, 5.6, 6.3, 7.1, 8, 9];
const FIRST_DECADE = -2;
const DECADES = 7;

/** Upper bound (ms) of each bucket, ascending; one more bucket after them takes everything slower. */
export const LATENCY_BOUNDS_MS: readonly number[] = [
  ...Array.from({ length: DECADES }, (_, decade) => MANTISSAS.map((mantissa) => Number((mantissa * 10 ** (FIRST_DECADE + decade)).toPrecision(6)))).flat(),
  10 ** (FIRST_DECADE + DECADES),
];

/** Buckets of the scale, the overflow bucket included: the length of a counts array. */
export const LATENCY_BUCKETS = LATENCY_BOUNDS_MS.length + 1;

/** The bucket a latency falls in: the first whose bound holds it (NaN and negatives in the first). */
export function latencyBucket(ms: number): number {
  if (!(ms > LATENCY_BOUNDS_MS[0]!)) return 0;
  let low = 1;
  let high = LATENCY_BOUNDS_MS.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (LATENCY_BOUNDS_MS[middle]! >= ms) high = middle;
    else low = middle + 1;
  }
  return low;
}

/** The upper bound of a bucket in ms; the overflow bucket reads as the last bound. */
export function bucketBoundMs(bucket: number): number {
  return LATENCY_BOUNDS_MS[Math.min(bucket, LATENCY_BOUNDS_MS.length - 1)]!;
}

/** The bound of the bucket holding the `q` quantile of `counts` (which sum to `total`); 0 when empty. */
export function quantileMs(counts: ArrayLike<number>, total: number, q: number): number {
  if (total === 0) return 0;
  const rank = Math.ceil(q * total);
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    seen += counts[i]!;
    if (seen >= rank) return bucketBoundMs(i);
  }
  return bucketBoundMs(counts.length - 1);
}
