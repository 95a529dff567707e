/** Which versions a rollout uses, and which of them get traffic. */
import type { RolloutRecord } from './registry-state.js';

/**
 * The versions a rollout needs loaded: the stable version, the canary, the shadow and every
 * version a header rule pins. Placement keeps exactly these on runners; routes list only these.
 */
export function versionsInUse(rollout: RolloutRecord): Set<number> {
  const used = new Set<number>();
  if (rollout.stableVersion > 0) used.add(rollout.stableVersion);
  if (rollout.canaryVersion > 0) used.add(rollout.canaryVersion);
  if (rollout.shadowVersion > 0) used.add(rollout.shadowVersion);
  for (const rule of rollout.rules) if (rule.version > 0) used.add(rule.version);
  return used;
}

/** True when some calls go to `version`: it is stable, pinned by a rule, or a canary with weight or a rule. */
export function getsTraffic(rollout: RolloutRecord, version: number): boolean {
  if (version === rollout.stableVersion) return true;
  if (rollout.rules.some((rule) => rule.version === version)) return true;
  if (version !== rollout.canaryVersion) return false;
  return rollout.canaryWeightBp > 0 || rollout.rules.some((rule) => rule.canary);
}

/** `stable v1, canary v2 at 10.00 %`: a rollout in a log line or a message. */
export function describeRollout(rollout: RolloutRecord): string {
  const stable = rollout.stableVersion > 0 ? `stable v${rollout.stableVersion}` : 'no stable version';
  const shadow = rollout.shadowVersion > 0 ? `, shadow v${rollout.shadowVersion} at ${(rollout.shadowShareBp / 100).toFixed(2)} %` : '';
  if (rollout.canaryVersion === 0) return `${stable}${shadow}`;
  return `${stable}, canary v${rollout.canaryVersion} at ${(rollout.canaryWeightBp / 100).toFixed(2)} %${shadow}`;
}
