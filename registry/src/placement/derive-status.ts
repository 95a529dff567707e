/** A version's status as the rollouts and the runners make it, recomputed after every change. */
import { wantedReplicas } from '@infermesh/common';
import { readyRunners } from '../routing/route-table.js';
import type { ModelRecord, RunnerRecord, VersionRecord, VersionStatusName } from '../state/registry-state.js';
import { getsTraffic, versionsInUse } from '../state/rollout-use.js';

/**
 * True for a status only an operation changes: retired, and failed outside the rollout (a
 * canary rolled back). A version the rollout uses again gets its status derived afresh.
 */
export function stickyStatus(model: ModelRecord, version: VersionRecord): boolean {
  return version.status === 'retired' || (version.status === 'failed' && !versionsInUse(model.rollout).has(version.version));
}

/**
 * A version no rollout uses is registered; one a rollout uses is loading until a live runner
 * has it ready, then serving when calls go to it and ready when none do; failed when every
 * live runner that matches its device failed to load it. `loadFailures` are the reasons
 * runners gave for not loading it, by runner name.
 */
export function deriveStatus(
  model: ModelRecord,
  version: VersionRecord,
  live: readonly RunnerRecord[],
  loadFailures: ReadonlyMap<string, string> = new Map(),
): { status: VersionStatusName; reason: string } {
  if (stickyStatus(model, version)) return { status: version.status, reason: version.statusReason };
  if (!versionsInUse(model.rollout).has(version.version)) return { status: 'registered', reason: '' };
  const { wanted, matching } = wantedReplicas(version, live);
  const ready = readyRunners(version, live).length;
  const failed = matching.filter((runner) => loadFailures.has(runner.name));
  const reasons = failed.map((runner) => `${runner.name}: ${loadFailures.get(runner.name)}`).join('; ');
  if (ready === 0) {
    if (matching.length === 0) return { status: 'loading', reason: `no live runner matches device '${version.device}'` };
    if (failed.length === matching.length) return { status: 'failed', reason: `every runner failed to load it: ${reasons}` };
    return { status: 'loading', reason: reasons };
  }
  const partial = ready < wanted ? `ready on ${ready} of ${wanted} runners${reasons ? `; ${reasons}` : ''}` : '';
  return { status: getsTraffic(model.rollout, version.version) ? 'serving' : 'ready', reason: partial };
}
