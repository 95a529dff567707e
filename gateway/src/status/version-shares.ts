/**
 * A version's share of its model's calls: configured (what the rollout's weight asks for)
 * and observed (what this gateway routed over the status window). They differ when calls
 * name a version, match a header rule, or carry sticky keys that do not split like the weight.
 */
import type { RolloutSummary } from '../Router.js';

/** Shares are 0..1; undefined where there is nothing to say. */
export interface VersionShare {
  /** What the rollout's weight gives calls that name no version; undefined without a rollout and with several versions. */
  configured: number | undefined;
  /** This version's calls over all the model's calls in the window; undefined when the model had none. */
  observed: number | undefined;
}

/** The share the rollout configures for `version`, of calls that name none. */
export function configuredShare(version: string, versionCount: number, rollout: RolloutSummary | undefined): number | undefined {
  if (!rollout || rollout.stable === '') return versionCount === 1 ? 1 : undefined;
  const canary = rollout.canary === '' ? 0 : rollout.canaryWeightBps / 10_000;
  if (version === rollout.canary) return canary;
  if (version === rollout.stable) return 1 - canary;
  return 0;
}

/** `calls` of every version of one model, in the window → each version's observed share. */
export function observedShares(calls: ReadonlyMap<string, number>): Map<string, number | undefined> {
  let total = 0;
  for (const count of calls.values()) total += count;
  return new Map([...calls].map(([version, count]) => [version, total === 0 ? undefined : count / total]));
}
