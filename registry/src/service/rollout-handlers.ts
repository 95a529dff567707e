/** SetRollout, Promote, Rollback and GetHistory. */
import { unaryHandler } from '@infermesh/common';
import type { Model, RegistryHandlers } from '@infermesh/proto/registry';
import { readyRunners } from '../routing/route-table.js';
import { checkLength, checkModelName, MAX_ACTOR_CHARS, MAX_REASON_CHARS } from '../state/checks.js';
import type { ModelRecord } from '../state/registry-state.js';
import { describeRollout } from '../state/rollout-use.js';
import { promote, rollback, setRollout, unload, type OperationContext } from '../state/rollout-operations.js';
import { liveRunners, type RegistryContext } from './context.js';
import { eventToProto, modelToProto, rolloutChangeFromProto } from './to-proto.js';
import { modelOf } from './version-handlers.js';

type RolloutHandlers = Pick<RegistryHandlers, 'SetRollout' | 'Promote' | 'Rollback' | 'Unload' | 'GetHistory'>;

/** Largest number of events one GetHistory answers. */
const MAX_HISTORY = 10_000;

export function rolloutHandlers(context: RegistryContext): RolloutHandlers {
  const { logger, registry } = context;

  const operationContext = (actor: string, reason: string): OperationContext => {
    checkLength(actor, MAX_ACTOR_CHARS, 'actor');
    checkLength(reason, MAX_REASON_CHARS, 'reason');
    const live = liveRunners(context);
    return {
      nowMs: Date.now(),
      actor: actor || 'unknown',
      reason,
      historyLimit: context.config.historyLimit,
      isReady: (model, version) => {
        const record = registry.current.models[model]?.versions.find((v) => v.version === version);
        return record !== undefined && readyRunners(record, live).length > 0;
      },
    };
  };

  /** Applies an operation to one model, logs the rollout it leaves, answers the model. */
  const operate = async (name: string, action: string, operationActor: string, reason: string, apply: (model: ModelRecord, ctx: OperationContext) => void): Promise<Model> => {
    checkModelName(name);
    modelOf(context, name);
    const ctx = operationContext(operationActor, reason);
    const canaryBefore = registry.current.models[name]!.rollout.canaryVersion;
    const model = await registry.mutate((draft) => {
      apply(draft.models[name]!, ctx);
      return draft.models[name]!;
    });
    if (model.rollout.canaryVersion !== canaryBefore && model.rollout.canaryVersion !== 0) {
      context.canaries.canaryChanged(name, model.rollout.canaryVersion);
    }
    logger.info({ model: name, action, actor: ctx.actor, reason, rollout: describeRollout(model.rollout) }, 'rollout changed');
    return modelToProto(model, liveRunners(context));
  };

  return {
    SetRollout: unaryHandler(logger, 'SetRollout', (request) => {
      const change = rolloutChangeFromProto(request.rollout, request.fields);
      return operate(request.model, 'SET', request.actor, request.reason, (model, ctx) => setRollout(model, change, ctx));
    }),
    Promote: unaryHandler(logger, 'Promote', (request) =>
      operate(request.model, 'PROMOTE', request.actor, request.reason, (model, ctx) => promote(model, ctx)),
    ),
    Rollback: unaryHandler(logger, 'Rollback', (request) =>
      operate(request.model, 'ROLLBACK', request.actor, request.reason, (model, ctx) => rollback(model, ctx)),
    ),
    Unload: unaryHandler(logger, 'Unload', (request) =>
      operate(request.model, 'UNLOAD', request.actor, request.reason, (model, ctx) => {
        unload(model, ctx);
      }),
    ),
    GetHistory: unaryHandler(logger, 'GetHistory', (request) => {
      checkModelName(request.model);
      const { history } = modelOf(context, request.model);
      const limit = Math.min(request.limit === 0 ? MAX_HISTORY : request.limit, MAX_HISTORY);
      return { events: history.slice(-limit).map(eventToProto) };
    }),
  };
}
