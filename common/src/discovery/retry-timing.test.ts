import { describe, expect, it } from 'vitest';
import { answerWithin, backoffMs } from './retry-timing.js';

describe('retry timing', () => {
  it('doubles the wait from the first failure, up to the cap', () => {
    const bounds = { backoffInitialMs: 100, backoffMaxMs: 1_000 };
    expect([1, 2, 3, 4, 5, 10].map((failures) => backoffMs(failures, bounds))).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  });

  it('gives up on an answer that does not come in time, and passes on one that does', async () => {
    await expect(answerWithin(new Promise(() => {}), 20)).rejects.toThrow('no answer within 20 ms');
    await expect(answerWithin(Promise.resolve('ok'), 1_000)).resolves.toBe('ok');
    await expect(answerWithin(Promise.reject(new Error('refused')), 1_000)).rejects.toThrow('refused');
  });
});
