/**
 * Puts an imported version in service. A model's first stable version can be set at once;
 * moving an existing model's stable version needs the new one ready somewhere, so it goes
 * in as the canary at weight 0 and is promoted once loaded. A canary someone else is
 * rolling out is never replaced.
 */
import type { Attribution, RegistryClient } from '@infermesh/client';
import { CliError } from '../cli-error.js';
import { waitForVersions } from '../commands/wait-for-versions.js';

/** How the version was put in service, so that `finishServing` knows what is left to do. */
export interface ServingStep {
  how: 'already-stable' | 'stable' | 'canary';
  /** The stable version before (0 = none). */
  previous: number;
}

/** Asks the registry to load `version` as stable (or as a weight-0 canary on the way there). */
export async function requestServing(client: RegistryClient, model: string, version: number, by: Attribution): Promise<ServingStep> {
  const { rollout } = await client.getModel(model);
  const previous = rollout!.stable_version;
  if (previous === version) return { how: 'already-stable', previous };
  if (previous === 0) {
    await client.setRollout(model, { stable_version: version }, ['stable_version'], by);
    return { how: 'stable', previous };
  }
  if (rollout!.canary_version !== 0 && rollout!.canary_version !== version) {
    throw new CliError(
      `canary v${rollout!.canary_version} is being rolled out; its rollout is left as it is (once it is done: infermesh rollout set ${model} --canary ${version})`,
    );
  }
  await client.setRollout(model, { canary_version: version, canary_weight_bp: 0 }, ['canary_version', 'canary_weight_bp'], by);
  return { how: 'canary', previous };
}

/** Waits until the version is loaded, promotes it when it went in as the canary, and says how it serves. */
export async function finishServing(client: RegistryClient, model: string, version: number, step: ServingStep, timeoutMs: number, by: Attribution): Promise<string> {
  await waitForVersions(client, model, [version], timeoutMs);
  if (step.how === 'already-stable') return `${model}: v${version} is stable already`;
  if (step.how === 'stable') return `${model}: stable v${version}`;
  await client.promote(model, by);
  return `${model}: stable v${version} (was v${step.previous}; loaded as a canary at 0 %, then promoted)`;
}
