/**
 * Evidence-based promotion: do the candidate's recent calls (shadow copies and canary calls)
 * show what the model's promotion policy asks for before it becomes the stable version?
 */
import { summarizeAgreement } from '@infermesh/common';
import type { PromotionRecord } from '../state/registry-state.js';
import type { WindowSummary } from './StatsWindow.js';

/** The windows a promotion is judged on. */
export interface PromotionWindows {
  /** The version Promote would make stable. */
  candidate: number;
  stable: number;
  /** The candidate's own calls (as the canary, or by a rule or an explicit version). */
  canary: WindowSummary;
  /** Copies of calls the candidate answered as the shadow, with their agreement. */
  shadow: WindowSummary;
  /** The stable version's calls. */
  stableCalls: WindowSummary;
}

/** A judgement: the first unmet condition (undefined when all hold) and the numbers behind it. */
export interface PromotionJudgement {
  unmet: string | undefined;
  evidence: string;
}

const percent = (share: number) => `${(share * 100).toFixed(1)} %`;
const ms = (value: number) => `${value < 10 ? value.toFixed(2) : value.toFixed(0)} ms`;
const number = (value: number) => (value === Infinity ? 'inf' : value.toPrecision(3));

/** Judges the candidate by `policy`; a disabled policy holds whatever the numbers. */
export function judgePromotion(policy: PromotionRecord, windows: PromotionWindows): PromotionJudgement {
  const { candidate, canary, shadow, stableCalls } = windows;
  const calls = canary.requests + shadow.requests;
  const errors = canary.errors + shadow.errors;
  const errorRate = calls > 0 ? errors / calls : 0;
  const agreement = summarizeAgreement(shadow.agreement);
  const p99 = Math.max(canary.requests > 0 ? canary.p99Ms : 0, shadow.requests > 0 ? shadow.p99Ms : 0);
  const ratio = stableCalls.p99Ms > 0 && p99 > 0 ? p99 / stableCalls.p99Ms : undefined;
  const seconds = `${(policy.windowMs / 1000).toFixed(0)} s`;
  const evidence = [
    `v${candidate} in the last ${seconds}: ${calls} calls (${shadow.requests} shadow, ${canary.requests} canary)`,
    `${errors} errors (${percent(errorRate)})`,
    agreement.agreementShare === null
      ? 'no shadow answers compared'
      : `agreement ${percent(agreement.agreementShare)} of ${agreement.calls} compared (exact ${percent(agreement.exactShare ?? 0)}` +
        `${agreement.argmaxShare === null ? '' : `, argmax ${percent(agreement.argmaxShare)} of ${agreement.argmaxRows} rows`}` +
        `, max abs diff ${number(agreement.maxAbsDiff)}, max rel diff ${number(agreement.maxRelDiff)}, ${agreement.mismatched} mismatched)`,
    ratio === undefined ? `p99 ${p99 > 0 ? ms(p99) : '-'}, stable v${windows.stable} ${stableCalls.p99Ms > 0 ? ms(stableCalls.p99Ms) : 'no calls'}` : `p99 ${ms(p99)} vs stable v${windows.stable} ${ms(stableCalls.p99Ms)} (${ratio.toFixed(2)}×)`,
  ].join('; ');
  return { unmet: policy.enabled ? unmetCondition(policy, windows, { calls, errors, errorRate, agreementShare: agreement.agreementShare, compared: agreement.calls, ratio, p99 }) : undefined, evidence };
}

interface Figures {
  calls: number;
  errors: number;
  errorRate: number;
  agreementShare: number | null;
  compared: number;
  ratio: number | undefined;
  p99: number;
}

function unmetCondition(policy: PromotionRecord, windows: PromotionWindows, figures: Figures): string | undefined {
  const seconds = `${(policy.windowMs / 1000).toFixed(0)} s`;
  const v = `v${windows.candidate}`;
  if (figures.calls < policy.minCalls) {
    return `${v} had ${figures.calls} shadow and canary calls in the last ${seconds}; the promotion policy asks for at least ${policy.minCalls}`;
  }
  if (figures.errorRate > policy.maxErrorRate) {
    return `${v} error rate ${percent(figures.errorRate)} (${figures.errors} of ${figures.calls} calls in the last ${seconds}) is over the promotion policy's ${percent(policy.maxErrorRate)}`;
  }
  if (policy.minAgreement > 0) {
    if (figures.agreementShare === null) return `${v} has no shadow answers compared in the last ${seconds}; the promotion policy asks for agreement of at least ${percent(policy.minAgreement)}`;
    if (figures.agreementShare < policy.minAgreement) {
      return `${v} agreement ${percent(figures.agreementShare)} (of ${figures.compared} shadow answers compared in the last ${seconds}) is under the promotion policy's ${percent(policy.minAgreement)}`;
    }
  }
  if (policy.maxP99Ratio > 0 && figures.ratio !== undefined && figures.ratio > policy.maxP99Ratio) {
    return `${v} p99 ${ms(figures.p99)} is ${figures.ratio.toFixed(2)}× stable v${windows.stable}'s ${ms(windows.stableCalls.p99Ms)}, over the promotion policy's ${policy.maxP99Ratio}×`;
  }
  return undefined;
}
