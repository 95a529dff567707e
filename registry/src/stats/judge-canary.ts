/** The automatic-rollback decision: does a canary's recent record break its policy? */
import type { PolicyRecord } from '../state/registry-state.js';
import type { WindowSummary } from './StatsWindow.js';

const percent = (rate: number) => `${(rate * 100).toFixed(1)} %`;
const ms = (value: number) => `${value < 10 ? value.toFixed(2) : value.toFixed(0)} ms`;

/**
 * The reason to roll the canary back, or undefined to let it run. It is judged only once it
 * has had `minRequests` calls in the window; the checks against stable (INVALID_ARGUMENT rate,
 * latency) also need as many stable calls. INVALID_ARGUMENT is the caller's fault on its own,
 * but a canary that refuses more requests than stable (by more than the policy's error rate)
 * does not take what stable takes: an incompatible signature, or stricter checks.
 */
export function judgeCanary(
  policy: PolicyRecord,
  canary: { version: number; window: WindowSummary },
  stable: { version: number; window: WindowSummary },
): string | undefined {
  if (!policy.enabled || canary.window.requests < policy.minRequests) return undefined;
  const seconds = `${(policy.windowMs / 1000).toFixed(0)} s`;
  const errorRate = canary.window.errors / canary.window.requests;
  if (errorRate > policy.maxErrorRate) {
    return (
      `canary v${canary.version} error rate ${percent(errorRate)} (${canary.window.errors} of ${canary.window.requests} calls in the last ${seconds}) ` +
      `is over the policy's ${percent(policy.maxErrorRate)}`
    );
  }
  const stableJudged = stable.window.requests >= policy.minRequests;
  const refused = canary.window.invalidArguments / canary.window.requests;
  const stableRefused = stableJudged ? stable.window.invalidArguments / stable.window.requests : 0;
  if (stableJudged && refused - stableRefused > policy.maxErrorRate) {
    return (
      `canary v${canary.version} refused ${percent(refused)} of calls with INVALID_ARGUMENT (${canary.window.invalidArguments} of ${canary.window.requests} in the last ${seconds}), ` +
      `stable v${stable.version} ${percent(stableRefused)}: over stable's by more than the policy's ${percent(policy.maxErrorRate)}`
    );
  }
  if (policy.maxP99Ratio > 0 && stableJudged && stable.window.p99Ms > 0) {
    const limit = stable.window.p99Ms * policy.maxP99Ratio;
    if (canary.window.p99Ms > limit) {
      return (
        `canary v${canary.version} p99 latency ${ms(canary.window.p99Ms)} is over ${policy.maxP99Ratio}× stable v${stable.version}'s ` +
        `${ms(stable.window.p99Ms)} (last ${seconds}, ${canary.window.requests} canary calls)`
      );
    }
  }
  return undefined;
}

/** What an automatic rollback's reason (as judgeCanary words it) was about, as a metric label. */
export type RollbackCause = 'error_rate' | 'invalid_argument' | 'p99_latency';

export function rollbackCause(reason: string): RollbackCause | undefined {
  if (/ error rate /.test(reason)) return 'error_rate';
  if (/ with INVALID_ARGUMENT /.test(reason)) return 'invalid_argument';
  if (/ p99 latency /.test(reason)) return 'p99_latency';
  return undefined;
}
