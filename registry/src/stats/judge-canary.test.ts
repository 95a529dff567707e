import { describe, expect, it } from 'vitest';
import { emptyAgreementCounts } from '@infermesh/common';
import { judgeCanary, rollbackCause } from './judge-canary.js';
import { percentile, StatsWindow } from './StatsWindow.js';

const policy = { enabled: true, maxErrorRate: 0.05, maxP99Ratio: 3, minRequests: 20, windowMs: 10_000 };
const window = (requests: number, errors: number, p99Ms: number, invalidArguments = 0) => ({ requests, errors, invalidArguments, p99Ms, agreement: emptyAgreementCounts() });

describe('judgeCanary', () => {
  it('waits for the minimum number of canary calls', () => {
    expect(judgeCanary(policy, { version: 2, window: window(19, 19, 500) }, { version: 1, window: window(500, 0, 2) })).toBeUndefined();
  });

  it('rolls back on the error rate, then on p99 against stable, and names the numbers', () => {
    expect(judgeCanary(policy, { version: 2, window: window(40, 3, 1) }, { version: 1, window: window(400, 0, 2) })).toBe(
      "canary v2 error rate 7.5 % (3 of 40 calls in the last 10 s) is over the policy's 5.0 %",
    );
    expect(judgeCanary(policy, { version: 2, window: window(40, 0, 7) }, { version: 1, window: window(400, 0, 2) })).toBe(
      "canary v2 p99 latency 7.00 ms is over 3× stable v1's 2.00 ms (last 10 s, 40 canary calls)",
    );
    expect(judgeCanary(policy, { version: 2, window: window(40, 2, 6) }, { version: 1, window: window(400, 0, 2) })).toBeUndefined();
  });

  it('rolls back a canary that refuses more calls with INVALID_ARGUMENT than stable, by more than the error rate', () => {
    expect(judgeCanary(policy, { version: 3, window: window(40, 0, 1, 5) }, { version: 1, window: window(400, 0, 2, 4) })).toBe(
      "canary v3 refused 12.5 % of calls with INVALID_ARGUMENT (5 of 40 in the last 10 s), stable v1 1.0 %: over stable's by more than the policy's 5.0 %",
    );
    // As many refusals as stable has: the callers' doing, not the canary's.
    expect(judgeCanary(policy, { version: 3, window: window(40, 0, 1, 4) }, { version: 1, window: window(400, 0, 2, 40) })).toBeUndefined();
    // Not judged before both have their minimum of calls.
    expect(judgeCanary(policy, { version: 3, window: window(19, 0, 1, 19) }, { version: 1, window: window(400, 0, 2) })).toBeUndefined();
    expect(judgeCanary(policy, { version: 3, window: window(40, 0, 1, 40) }, { version: 1, window: window(19, 0, 2) })).toBeUndefined();
  });

  it('skips the latency check without enough stable calls, or when it is off or the policy is disabled', () => {
    const slow = { version: 2, window: window(40, 0, 100) };
    expect(judgeCanary(policy, slow, { version: 1, window: window(5, 0, 2) })).toBeUndefined();
    expect(judgeCanary({ ...policy, maxP99Ratio: 0 }, slow, { version: 1, window: window(400, 0, 2) })).toBeUndefined();
    expect(judgeCanary({ ...policy, enabled: false }, { version: 2, window: window(40, 40, 1) }, { version: 1, window: window(400, 0, 2) })).toBeUndefined();
  });
});

describe('StatsWindow', () => {
  const report = (requests: number, errors: number, latency: [number, number][]) => ({
    model: 'mlp',
    version: 2,
    requests: String(requests),
    errors: String(errors),
    invalid_arguments: String(errors * 2),
    latency: latency.map(([le_ms, count]) => ({ le_ms, count: String(count) })),
    agreement: null,
  });

  it('sums the reports inside the window only, and forgets a version on clear', () => {
    const stats = new StatsWindow();
    stats.add(report(10, 1, [[1, 10]]), 1_000);
    stats.add(report(30, 2, [[1, 20], [8, 10]]), 5_000);
    expect(stats.summary('mlp', 2, 10_000, 6_000)).toMatchObject({ requests: 40, errors: 3, invalidArguments: 6, p99Ms: 8 });
    expect(stats.summary('mlp', 2, 2_000, 6_000)).toMatchObject({ requests: 30, errors: 2, invalidArguments: 4, p99Ms: 8 });
    expect(stats.summary('mlp', 1, 10_000, 6_000)).toMatchObject({ requests: 0, errors: 0, invalidArguments: 0, p99Ms: 0 });
    stats.clear('mlp', 2);
    expect(stats.summary('mlp', 2, 10_000, 6_000).requests).toBe(0);
  });

  it('reads the 99th percentile as the bound of the bucket that holds it', () => {
    expect(percentile(new Map([[1, 99], [50, 1]]), 0.99)).toBe(1);
    expect(percentile(new Map([[1, 98], [50, 2]]), 0.99)).toBe(50);
    expect(percentile(new Map(), 0.99)).toBe(0);
  });
});

describe('rollbackCause', () => {
  it("names the limit each of judgeCanary's reasons is about, for the rollbacks metric", () => {
    const judged = (canary: ReturnType<typeof window>, stable: ReturnType<typeof window>) => rollbackCause(judgeCanary(policy, { version: 2, window: canary }, { version: 1, window: stable })!);
    expect(judged(window(40, 3, 1), window(400, 0, 2))).toBe('error_rate');
    expect(judged(window(40, 0, 1, 5), window(400, 0, 2, 4))).toBe('invalid_argument');
    expect(judged(window(40, 0, 7), window(400, 0, 2))).toBe('p99_latency');
    expect(rollbackCause('the canary looked wrong')).toBeUndefined();
  });
});
