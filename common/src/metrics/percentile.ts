/** Nearest-rank percentiles of a sample, for reports (benchmarks, replay). */

/** Nearest-rank percentile (0 < q ≤ 1) of an ascending sample; NaN for an empty one. */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
