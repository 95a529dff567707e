/**
 * How far a canary is from its automatic rollback, as this gateway sees it over the status
 * window: its server-side error rate against the policy's maxErrorRate, its p99 over stable's
 * against maxP99Ratio, and its calls against minRequests. The registry judges on every
 * gateway's reports over the policy's own window, so this is a close view, not its verdict.
 */
import type { WindowSummary } from './RollingWindow.js';
import type { PolicyView } from './RegistryView.js';

/** A canary beside its policy's limits. */
export interface CanaryDistance {
  canary: string;
  stable: string;
  policyEnabled: boolean;
  /** Canary calls in the window, and how many the policy wants before it judges. */
  calls: number;
  minRequests: number;
  /** Failed on the version's side over calls, 0..1. */
  errorRate: number;
  maxErrorRate: number;
  /** Canary p99 over stable p99; undefined while either had no calls. */
  p99Ratio: number | undefined;
  /** 0: latency not checked. */
  maxP99Ratio: number;
  /** The limits this window is past (only once judged, calls ≥ minRequests): error_rate, p99_ratio. */
  over: ('error_rate' | 'p99_ratio')[];
}

type Window = Pick<WindowSummary, 'calls' | 'serverErrors' | 'p99Ms'>;

export function canaryDistance(canary: { version: string; window: Window }, stable: { version: string; window: Window }, policy: PolicyView): CanaryDistance {
  const errorRate = canary.window.calls === 0 ? 0 : canary.window.serverErrors / canary.window.calls;
  const p99Ratio = canary.window.calls > 0 && stable.window.calls > 0 && stable.window.p99Ms > 0 ? canary.window.p99Ms / stable.window.p99Ms : undefined;
  const judged = canary.window.calls >= policy.minRequests;
  const over: CanaryDistance['over'] = [];
  if (judged && errorRate > policy.maxErrorRate) over.push('error_rate');
  if (judged && policy.maxP99Ratio > 0 && p99Ratio !== undefined && p99Ratio > policy.maxP99Ratio) over.push('p99_ratio');
  return {
    canary: canary.version,
    stable: stable.version,
    policyEnabled: policy.enabled,
    calls: canary.window.calls,
    minRequests: policy.minRequests,
    errorRate,
    maxErrorRate: policy.maxErrorRate,
    p99Ratio,
    maxP99Ratio: policy.maxP99Ratio,
    over,
  };
}
