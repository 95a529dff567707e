import { describe, expect, it } from 'vitest';
import { Backoff } from './Backoff.js';

describe('Backoff', () => {
  it('doubles from 100 ms up to 10 s while the process keeps dying quickly', () => {
    const backoff = new Backoff();
    const delays = Array.from({ length: 10 }, () => backoff.delayAfter(50));
    expect(delays).toEqual([100, 200, 400, 800, 1_600, 3_200, 6_400, 10_000, 10_000, 10_000]);
  });

  it('starts again at 100 ms after a run of 30 s or more', () => {
    const backoff = new Backoff();
    for (let i = 0; i < 5; i++) backoff.delayAfter(0);
    expect(backoff.delayAfter(29_999)).toBe(3_200);
    expect(backoff.delayAfter(30_000)).toBe(100);
    expect(backoff.delayAfter(10)).toBe(200);
  });
});
