import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../errors/ErrorCode.js';
import { RETRY_POLICY_DEFAULTS, RetryPolicy } from './retry-policy.js';

const NOW = 1_000_000;

function fixedClock(random = 1) {
  let now = NOW;
  return { now: () => now, random: () => random, advance: (ms: number) => (now += ms) };
}

/** A policy whose budget never binds, for the rules that are not about the budget. */
function unbudgeted(options: ConstructorParameters<typeof RetryPolicy>[0] = {}, random = 1) {
  return new RetryPolicy({ minRetriesPerSecond: 1_000_000, ...options }, fixedClock(random));
}

describe('RetryPolicy', () => {
  it('defaults to UNAVAILABLE only, three attempts', () => {
    const policy = unbudgeted();
    expect(RETRY_POLICY_DEFAULTS.codes).toEqual([ErrorCode.UNAVAILABLE]);
    expect(policy.retryDelay(1, ErrorCode.UNAVAILABLE, Infinity)).toBeDefined();
    expect(policy.retryDelay(2, ErrorCode.UNAVAILABLE, Infinity)).toBeDefined();
    expect(policy.retryDelay(3, ErrorCode.UNAVAILABLE, Infinity)).toBeUndefined();
  });

  it('retries only the codes it lists', () => {
    const policy = unbudgeted({ codes: [ErrorCode.UNAVAILABLE, ErrorCode.NOT_FOUND] });
    expect(policy.retryDelay(1, ErrorCode.NOT_FOUND, Infinity)).toBeDefined();
    for (const code of [ErrorCode.INVALID_ARGUMENT, ErrorCode.DEADLINE_EXCEEDED, ErrorCode.RESOURCE_EXHAUSTED, ErrorCode.INTERNAL, 0, undefined, 'ECONNREFUSED']) {
      expect(policy.retryDelay(1, code, Infinity)).toBeUndefined();
    }
    expect(unbudgeted().retryDelay(1, ErrorCode.NOT_FOUND, Infinity)).toBeUndefined();
    expect(unbudgeted({ maxAttempts: 1 }).retryDelay(1, ErrorCode.UNAVAILABLE, Infinity)).toBeUndefined();
  });

  it('backs off exponentially with jitter, within initialBackoffMs / 2 and maxBackoffMs', () => {
    const options = { initialBackoffMs: 10, maxBackoffMs: 100, maxAttempts: 10 };
    const highest = unbudgeted(options, 1);
    const lowest = unbudgeted(options, 0);
    expect([1, 2, 3, 4, 5, 9].map((attempts) => highest.retryDelay(attempts, ErrorCode.UNAVAILABLE, Infinity))).toEqual([10, 20, 40, 80, 100, 100]);
    expect([1, 2, 5, 9].map((attempts) => lowest.retryDelay(attempts, ErrorCode.UNAVAILABLE, Infinity))).toEqual([5, 10, 50, 50]);
    expect(unbudgeted({ initialBackoffMs: 0, maxBackoffMs: 0 }).retryDelay(2, ErrorCode.UNAVAILABLE, Infinity)).toBe(0);
  });

  it('never sleeps up to or past the deadline', () => {
    const policy = unbudgeted({ initialBackoffMs: 10, maxBackoffMs: 100 });
    expect(policy.retryDelay(1, ErrorCode.UNAVAILABLE, NOW + 11)).toBe(10);
    expect(policy.retryDelay(1, ErrorCode.UNAVAILABLE, NOW + 10)).toBeUndefined();
    expect(unbudgeted({ initialBackoffMs: 0, maxBackoffMs: 0 }).retryDelay(1, ErrorCode.UNAVAILABLE, NOW)).toBeUndefined();
  });

  it('stops retrying once the budget is spent, and takes nothing for a call it does not retry', () => {
    const time = fixedClock();
    const policy = new RetryPolicy({ budgetPercent: 20, minRetriesPerSecond: 0, budgetWindowMs: 10_000 }, time);
    for (let i = 0; i < 10; i++) policy.recordCall();
    expect(policy.retryDelay(1, ErrorCode.INVALID_ARGUMENT, Infinity)).toBeUndefined();
    expect(policy.retryDelay(1, ErrorCode.UNAVAILABLE, NOW)).toBeUndefined();
    expect(policy.retryDelay(1, ErrorCode.UNAVAILABLE, Infinity)).toBeDefined();
    expect(policy.retryDelay(1, ErrorCode.UNAVAILABLE, Infinity)).toBeDefined();
    expect(policy.retryDelay(1, ErrorCode.UNAVAILABLE, Infinity)).toBeUndefined();
    // Once the window has passed, the calls that earned those retries are gone too.
    time.advance(10_000);
    for (let i = 0; i < 5; i++) policy.recordCall();
    expect(policy.retryDelay(1, ErrorCode.UNAVAILABLE, Infinity)).toBeDefined();
    expect(policy.retryDelay(1, ErrorCode.UNAVAILABLE, Infinity)).toBeUndefined();
  });

  it('refuses a backoff whose cap is below its start', () => {
    expect(() => new RetryPolicy({ initialBackoffMs: 100, maxBackoffMs: 10 })).toThrow(RangeError);
  });
});
