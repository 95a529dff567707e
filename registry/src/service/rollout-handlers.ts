/** SetRollout, Promote, Rollback, Unload and GetHistory. */
import type { ContextHandlers, ServiceCallContext } from '@infermesh/common';
import type { Model, RegistryHandlers } from '@infermesh/proto/registry';
import { checkModelName } from '../state/checks.js';
import type { ModelRecord } from '../state/registry-state.js';
import { describeRollout } from '../state/rollout-use.js';
import { promote, refusePromotion, rollback, setRollout, unload, type OperationContext } from '../state/rollout-operations.js';
import { ServiceError } from '@infermesh/common';
import { liveRunners, modelOf, operationContext, type RegistryContext } from './context.js';
import { eventToProto, modelToProto, rolloutChangeFromProto } from './to-proto.js';

type RolloutHandlers = ContextHandlers<Pick<RegistryHandlers, 'SetRollout' | 'Promote' | 'Rollback' | 'Unload' | 'GetHistory'>, ServiceCallContext>;

/** Largest number of events one GetHistory answers. */
const MAX_HISTORY = 10_000;

export function rolloutHandlers(context: RegistryContext): RolloutHandlers {
  const { logger, registry } = context;

  /** Applies an operation to one model, logs the rollout it leaves, answers the model. */
  const operate = async (name: string, action: string, operationActor: string, reason: string, apply: (model: ModelRecord, ctx: OperationContext) => void): Promise<Model> => {
    checkModelName(name);
    const before = modelOf(context, name).rollout;
    const canaryBefore = before.canaryVersion;
    const shadowBefore = before.shadowVersion;
    const ctx = operationContext(context, operationActor, reason);
    const model = await registry.mutate((draft) => {
      apply(draft.models[name]!, ctx);
      return draft.models[name]!;
    });
    if (model.rollout.canaryVersion !== canaryBefore && model.rollout.canaryVersion !== 0) {
      context.canaries.canaryChanged(name, model.rollout.canaryVersion);
    }
    if (model.rollout.shadowVersion !== shadowBefore && model.rollout.shadowVersion !== 0) {
      context.canaries.shadowChanged(name, model.rollout.shadowVersion);
    }
    logger.info({ model: name, action, actor: ctx.actor, reason, rollout: describeRollout(model.rollout) }, 'rollout changed');
    return modelToProto(model, liveRunners(context));
  };

  return {
    SetRollout: (request) => {
      const change = rolloutChangeFromProto(request.rollout, request.fields);
      return operate(request.model, 'SET', request.actor, request.reason, (model, ctx) => setRollout(model, change, ctx, { force: request.force }));
    },
    Promote: async (request) => {
      checkModelName(request.model);
      const judgement = context.canaries.judgePromotion(modelOf(context, request.model));
      if (judgement?.unmet !== undefined) {
        const unmet = judgement.unmet;
        // The refusal is a decision too: it goes on the record with its numbers before the caller hears of it.
        await operate(request.model, 'PROMOTE_REFUSED', request.actor, unmet, (model, ctx) => refusePromotion(model, ctx, judgement.evidence));
        throw ServiceError.failedPrecondition(`promotion refused: ${unmet} (${judgement.evidence})`);
      }
      return operate(request.model, 'PROMOTE', request.actor, request.reason, (model, ctx) => promote(model, ctx, 'PROMOTE', judgement?.evidence ?? ''));
    },
    Rollback: (request) =>
      operate(request.model, 'ROLLBACK', request.actor, request.reason, (model, ctx) => rollback(model, ctx)),
    Unload: (request) =>
      operate(request.model, 'UNLOAD', request.actor, request.reason, (model, ctx) => {
        unload(model, ctx);
      }),
    GetHistory: (request) => {
      checkModelName(request.model);
      const { history } = modelOf(context, request.model);
      const limit = Math.min(request.limit === 0 ? MAX_HISTORY : request.limit, MAX_HISTORY);
      return { events: history.slice(-limit).map(eventToProto) };
    },
  };
}
