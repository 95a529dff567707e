import { describe, expect, it } from 'vitest';
import { retryDelayMs } from './retry-delay.js';

const delays = { initialDelayMs: 100, maxDelayMs: 5_000 };

describe('retryDelayMs', () => {
  it('doubles per failure up to the cap, drawn from the upper half of the nominal delay', () => {
    expect([1, 2, 3, 6, 7, 1_000].map((attempt) => retryDelayMs(attempt, delays, () => 1))).toEqual([100, 200, 400, 3_200, 5_000, 5_000]);
    expect([1, 2, 7].map((attempt) => retryDelayMs(attempt, delays, () => 0))).toEqual([50, 100, 2_500]);
  });
});
