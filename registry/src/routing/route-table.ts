/** The route table gateways follow, computed from the state and which runners are live. */
import type { ModelRoute } from '@infermesh/proto/registry';
import { holdsArtifactOf, type ModelRecord, type RunnerRecord, type VersionRecord } from '../state/registry-state.js';
import { versionsInUse } from '../state/rollout-use.js';

/** True when the runner reported this version READY, loaded from the registry's artifact. */
export function runnerHolds(runner: RunnerRecord, version: VersionRecord): boolean {
  return runner.versions.some(
    (held) => held.model === version.model && held.version === version.version && held.state === 'READY' && holdsArtifactOf(held, version),
  );
}

/** The live runners that have `version` ready. */
export function readyRunners(version: VersionRecord, live: readonly RunnerRecord[]): RunnerRecord[] {
  return live.filter((runner) => runnerHolds(runner, version));
}

/**
 * A model's route: its rollout, and for each version the rollout uses, the live runners that
 * have it ready. A version that is loading has no entry, so it gets no traffic.
 */
export function buildModelRoute(model: ModelRecord, live: readonly RunnerRecord[]): ModelRoute {
  const { rollout } = model;
  const versions = [...versionsInUse(rollout)]
    .sort((a, b) => a - b)
    .flatMap((number) => {
      const version = model.versions.find((v) => v.version === number);
      const runners = version ? readyRunners(version, live).map((runner) => runner.address) : [];
      return runners.length > 0 ? [{ version: number, runners }] : [];
    });
  return {
    model: model.name,
    stable_version: rollout.stableVersion,
    canary_version: rollout.canaryVersion,
    canary_weight_bp: rollout.canaryWeightBp,
    rules: rollout.rules.map((rule) => ({ ...rule })),
    sticky_header: rollout.stickyHeader,
    versions,
    known_versions: model.versions.filter((v) => v.status !== 'retired').map((v) => v.version),
    shadow_version: rollout.shadowVersion,
    shadow_share_bp: rollout.shadowVersion > 0 ? rollout.shadowShareBp : 0,
  };
}
