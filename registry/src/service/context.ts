/** Everything the registry's handlers work with, and what they derive from it for each call. */
import { MAX_ACTOR_CHARS, MAX_REASON_CHARS, ServiceError, type Logger, type RegistryConfig } from '@infermesh/common';
import type { ArtifactStore } from '../artifacts/ArtifactStore.js';
import type { Membership } from '../placement/Membership.js';
import type { Placement } from '../placement/Placement.js';
import type { Registry } from '../Registry.js';
import { readyRunners } from '../routing/route-table.js';
import type { RouteBroadcaster } from '../routing/RouteBroadcaster.js';
import { checkLength } from '../state/checks.js';
import type { ModelRecord, RunnerRecord } from '../state/registry-state.js';
import type { OperationContext } from '../state/rollout-operations.js';
import type { CanaryWatch } from '../stats/CanaryWatch.js';

/** The registry's parts, as the handlers see them. */
export interface RegistryContext {
  config: RegistryConfig;
  registry: Registry;
  artifacts: ArtifactStore;
  membership: Membership;
  placement: Placement;
  routes: RouteBroadcaster;
  canaries: CanaryWatch;
  logger: Logger;
}

/** The live runners now. */
export function liveRunners(context: RegistryContext): RunnerRecord[] {
  return context.membership.live(context.registry.current.runners);
}

/** The model, or NOT_FOUND. */
export function modelOf(context: RegistryContext, name: string): ModelRecord {
  const model = context.registry.current.models[name];
  if (!model) throw ServiceError.notFound(`unknown model '${name.slice(0, 200)}'`);
  return model;
}

/**
 * What a rollout operation by `actor` needs, readiness judged on the runners live now.
 * INVALID_ARGUMENT when the actor or the reason is too long; an empty actor is `unknown`.
 */
export function operationContext(context: RegistryContext, actor: string, reason: string): OperationContext {
  checkLength(actor, MAX_ACTOR_CHARS, 'actor');
  checkLength(reason, MAX_REASON_CHARS, 'reason');
  const live = liveRunners(context);
  return {
    nowMs: Date.now(),
    actor: actor || 'unknown',
    reason,
    historyLimit: context.config.historyLimit,
    isReady: (model, version) => {
      const record = context.registry.current.models[model]?.versions.find((v) => v.version === version);
      return record !== undefined && readyRunners(record, live).length > 0;
    },
  };
}
