import { describe, expect, it } from 'vitest';
import { RetryBudget } from './retry-budget.js';

function clock() {
  let now = 1_000_000;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

function takeAll(budget: RetryBudget): number {
  let taken = 0;
  while (budget.tryRetry()) taken++;
  return taken;
}

describe('RetryBudget', () => {
  it('allows the floor with no calls, then percent of the calls on top', () => {
    const time = clock();
    const budget = new RetryBudget({ percent: 20, minRetriesPerSecond: 1, windowMs: 10_000 }, time.now);
    expect(takeAll(budget)).toBe(10);
    for (let i = 0; i < 50; i++) budget.recordCall();
    expect(takeAll(budget)).toBe(10);
  });

  it('allows nothing with no floor and no calls, and never more than percent of the calls', () => {
    const time = clock();
    const budget = new RetryBudget({ percent: 20, minRetriesPerSecond: 0, windowMs: 10_000 }, time.now);
    expect(budget.tryRetry()).toBe(false);
    for (let i = 0; i < 4; i++) budget.recordCall();
    expect(budget.tryRetry()).toBe(false);
    budget.recordCall();
    expect(budget.tryRetry()).toBe(true);
    expect(budget.tryRetry()).toBe(false);
  });

  it('forgets calls and retries once they leave the window', () => {
    const time = clock();
    const budget = new RetryBudget({ percent: 50, minRetriesPerSecond: 0, windowMs: 1_000 }, time.now);
    for (let i = 0; i < 10; i++) budget.recordCall();
    expect(takeAll(budget)).toBe(5);
    time.advance(500);
    expect(budget.tryRetry()).toBe(false);
    // The retries left with the calls that earned them: nothing is owed, nothing is earned.
    time.advance(600);
    expect(budget.tryRetry()).toBe(false);
    for (let i = 0; i < 4; i++) budget.recordCall();
    expect(takeAll(budget)).toBe(2);
    // A long pause clears every slot, whatever it was.
    time.advance(60_000);
    expect(budget.tryRetry()).toBe(false);
  });

  it('keeps counting when the clock goes back', () => {
    const time = clock();
    const budget = new RetryBudget({ percent: 100, minRetriesPerSecond: 0, windowMs: 1_000 }, time.now);
    budget.recordCall();
    time.advance(-5_000);
    expect(budget.tryRetry()).toBe(true);
    expect(budget.tryRetry()).toBe(false);
  });
});
