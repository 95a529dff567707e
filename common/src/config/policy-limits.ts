/**
 * Bounds of an automatic-rollback policy. The config schema, SetRollout's checks and the
 * stats window all read them here, so a policy the config accepts is one the API accepts
 * and the window keeps enough calls to judge.
 */

/** An inclusive range. */
export interface Range {
  min: number;
  max: number;
}

/** Each policy number's inclusive range. */
export const POLICY_LIMITS = {
  /** Share of canary calls that fail. */
  maxErrorRate: { min: 0, max: 1 },
  /** Canary p99 as a multiple of the stable version's; 0 turns the check off. */
  maxP99Ratio: { min: 0, max: 1_000 },
  /** Canary calls in the window before it is judged. */
  minRequests: { min: 1, max: 10_000_000 },
  /** Sliding window of the judgement. */
  windowMs: { min: 1_000, max: 3_600_000 },
} as const satisfies Record<string, Range>;

/** Bounds of a promotion policy's own numbers; its error rate, p99 ratio and window share the rollback policy's. */
export const PROMOTION_LIMITS = {
  /** Shadow plus canary calls of the candidate before it may be promoted. */
  minCalls: { min: 0, max: 10_000_000 },
  /** Least share of shadow answers that agree with the primary's. */
  minAgreement: { min: 0, max: 1 },
} as const satisfies Record<string, Range>;
