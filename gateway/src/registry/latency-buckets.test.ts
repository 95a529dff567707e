import { describe, expect, it } from 'vitest';
import { LATENCY_BOUNDS_MS, latencyBucket } from './latency-buckets.js';

describe('latency buckets', () => {
  it('puts each latency in the first bucket whose bound holds it', () => {
    for (const ms of [0, 0.05, 0.1, 0.11, 0.5, 1, 1.2345, 9.99, 10, 250, 4_000, 60_000]) {
      const index = latencyBucket(ms);
      expect(ms).toBeLessThanOrEqual(LATENCY_BOUNDS_MS[index]!);
      if (index > 0) expect(ms).toBeGreaterThan(LATENCY_BOUNDS_MS[index - 1]!);
    }
  });

  it('grows by 25 % per bucket and takes everything slower in the last', () => {
    expect(LATENCY_BOUNDS_MS[0]).toBe(0.1);
    expect(LATENCY_BOUNDS_MS[1]! / LATENCY_BOUNDS_MS[0]!).toBeCloseTo(1.25, 5);
    expect(latencyBucket(1e9)).toBe(LATENCY_BOUNDS_MS.length - 1);
    expect(latencyBucket(Number.NaN)).toBe(0);
  });
});
