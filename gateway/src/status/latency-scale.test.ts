import { describe, expect, it } from 'vitest';
import { LATENCY_BOUNDS_MS, LATENCY_BUCKETS, latencyBucket, quantileMs } from './latency-scale.js';

describe('latency scale', () => {
  it('puts each latency in the first bucket whose bound holds it', () => {
    for (const ms of [0, 0.01, 0.0105, 0.05, 0.1, 0.11, 0.5, 1, 1.2345, 2.5, 9.99, 10, 250, 4_000, 60_000, 99_999]) {
      const index = latencyBucket(ms);
      expect(ms).toBeLessThanOrEqual(LATENCY_BOUNDS_MS[index]!);
      if (index > 0) expect(ms).toBeGreaterThan(LATENCY_BOUNDS_MS[index - 1]!);
    }
  });

  it('has Prometheus’ usual bounds, steps of at most 13 %, and an overflow bucket for the rest', () => {
    for (const seconds of [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]) {
      expect(LATENCY_BOUNDS_MS).toContain(seconds * 1000);
    }
    for (let i = 1; i < LATENCY_BOUNDS_MS.length; i++) expect(LATENCY_BOUNDS_MS[i]! / LATENCY_BOUNDS_MS[i - 1]!).toBeLessThan(1.13);
    expect(latencyBucket(1e9)).toBe(LATENCY_BUCKETS - 1);
    expect(latencyBucket(Number.NaN)).toBe(0);
  });

  it('reads a quantile as the bound of the bucket that holds it', () => {
    const counts = new Array<number>(LATENCY_BUCKETS).fill(0);
    counts[latencyBucket(2)] = 99;
    counts[latencyBucket(250)] = 1;
    expect(quantileMs(counts, 100, 0.99)).toBe(2);
    expect(quantileMs(counts, 100, 1)).toBe(250);
    expect(quantileMs(counts, 0, 0.99)).toBe(0);
  });
});
