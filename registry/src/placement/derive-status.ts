/** A version's status as the rollouts and the runners make it, recomputed after every change. */
import { readyRunners } from '../routing/route-table.js';
import { deviceMatches } from '../state/checks.js';
import type { ModelRecord, RunnerRecord, VersionRecord, VersionStatusName } from '../state/registry-state.js';
import { getsTraffic, versionsInUse } from '../state/rollout-use.js';

/**
 * How many live runners should hold a version: its replicas, or every matching runner for 0.
 * It takes any record with a device, so the CLI can count the runners it lists the same way.
 */
export function wantedReplicas<R extends Pick<RunnerRecord, 'device'>>(
  version: Pick<VersionRecord, 'device' | 'replicas'>,
  live: readonly R[],
): { wanted: number; matching: R[] } {
  const matching = live.filter((runner) => deviceMatches(version.device, runner.device));
  return { wanted: version.replicas === 0 ? matching.length : Math.min(version.replicas, matching.length), matching };
}

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
