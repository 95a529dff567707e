/** A version's status as the rollouts and the runners make it, recomputed after every change. */
import { wantedReplicas } from '@infermesh/common';
import { readyRunners } from '../routing/route-table.js';
import type { ModelRecord, RunnerRecord, VersionRecord, VersionStatusName } from '../state/registry-state.js';
import { getsTraffic, versionsInUse } from '../state/rollout-use.js';

/**
 * Retired and failed stick until an operation changes them. Otherwise: a version no rollout
 * uses is registered; one a rollout uses is loading until a live runner has it ready, then
 * serving when calls go to it and ready when none do. `loadFailure` is the last reason a
 * runner gave for not loading it.
 */
export function deriveStatus(
  model: ModelRecord,
  version: VersionRecord,
  live: readonly RunnerRecord[],
  loadFailure: string | undefined,
): { status: VersionStatusName; reason: string } {
  if (version.status === 'retired' || version.status === 'failed') return { status: version.status, reason: version.statusReason };
  if (!versionsInUse(model.rollout).has(version.version)) return { status: 'registered', reason: '' };
  const { wanted, matching } = wantedReplicas(version, live);
  const ready = readyRunners(version, live).length;
  if (ready === 0) {
    if (matching.length === 0) return { status: 'loading', reason: `no live runner matches device '${version.device}'` };
    return { status: 'loading', reason: loadFailure ?? '' };
  }
  const partial = ready < wanted ? `ready on ${ready} of ${wanted} runners${loadFailure ? `; ${loadFailure}` : ''}` : '';
  return { status: getsTraffic(model.rollout, version.version) ? 'serving' : 'ready', reason: partial };
}
