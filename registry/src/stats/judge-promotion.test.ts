import { emptyAgreementCounts, type AgreementCounts } from '@infermesh/common';
import { describe, expect, it } from 'vitest';
import { NO_PROMOTION_POLICY } from '../state/registry-state.js';
import { judgePromotion } from './judge-promotion.js';
import type { WindowSummary } from './StatsWindow.js';

const policy = { ...NO_PROMOTION_POLICY, enabled: true, minCalls: 100, minAgreement: 0.99, maxErrorRate: 0.01, maxP99Ratio: 2, windowMs: 60_000 };
const calls = (requests: number, errors: number, p99Ms: number, agreement: Partial<AgreementCounts> = {}): WindowSummary => ({
  requests,
  errors,
  invalidArguments: 0,
  p99Ms,
  agreement: { ...emptyAgreementCounts(), ...agreement },
});
const none = calls(0, 0, 0);

describe('judgePromotion', () => {
  it('names the first unmet condition with its numbers', () => {
    const judge = (shadow: WindowSummary, canary = none) => judgePromotion(policy, { candidate: 2, stable: 1, canary, shadow, stableCalls: calls(1_000, 0, 10) }).unmet;
    expect(judge(calls(50, 0, 10))).toBe('v2 had 50 shadow and canary calls in the last 60 s; the promotion policy asks for at least 100');
    expect(judge(calls(100, 5, 10))).toBe("v2 error rate 5.0 % (5 of 100 calls in the last 60 s) is over the promotion policy's 1.0 %");
    expect(judge(calls(60, 0, 10), calls(60, 0, 10))).toBe('v2 has no shadow answers compared in the last 60 s; the promotion policy asks for agreement of at least 99.0 %');
    expect(judge(calls(200, 0, 10, { calls: 200, agreeing: 180 }))).toBe(
      "v2 agreement 90.0 % (of 200 shadow answers compared in the last 60 s) is under the promotion policy's 99.0 %",
    );
    expect(judge(calls(200, 0, 25, { calls: 200, agreeing: 200 }))).toBe("v2 p99 25 ms is 2.50× stable v1's 10 ms, over the promotion policy's 2×");
    expect(judge(calls(200, 0, 15, { calls: 200, agreeing: 199 }))).toBeUndefined();
  });

  it('gives the numbers behind the decision, and holds whatever they are when the policy is off', () => {
    const judgement = judgePromotion(
      { ...policy, enabled: false },
      { candidate: 2, stable: 1, canary: none, shadow: calls(4, 0, 2.5, { calls: 4, exact: 1, agreeing: 3, argmaxRows: 4, argmaxAgreeingRows: 3, maxAbsDiff: 0.5, maxRelDiff: 0.25 }), stableCalls: calls(4, 0, 2) },
    );
    expect(judgement.unmet).toBeUndefined();
    expect(judgement.evidence).toBe(
      'v2 in the last 60 s: 4 calls (4 shadow, 0 canary); 0 errors (0.0 %); agreement 75.0 % of 4 compared (exact 25.0 %, argmax 75.0 % of 4 rows, max abs diff 0.500, max rel diff 0.250, 0 mismatched); p99 2.50 ms vs stable v1 2.00 ms (1.25×)',
    );
  });
});
