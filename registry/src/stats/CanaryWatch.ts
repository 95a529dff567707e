/**
 * Takes the gateways' per-version reports and rolls a canary back as soon as its recent
 * calls break its model's policy. The rollback is an ordinary rollout event, with the
 * reason, by the actor `registry (auto-rollback policy)`. It also keeps the shadow reports
 * (calls copied to a shadow version, and how their answers agreed), which promotion is
 * judged by, and promotes a candidate by itself when the promotion policy says so.
 */
import type { Logger } from '@infermesh/common';
import type { ReportStatsRequest__Output } from '@infermesh/proto/registry';
import type { Registry } from '../Registry.js';
import type { ModelRecord } from '../state/registry-state.js';
import { promote, promotionCandidate, rollback, type OperationContext } from '../state/rollout-operations.js';
import { judgeCanary } from './judge-canary.js';
import { judgePromotion, type PromotionJudgement } from './judge-promotion.js';
import { StatsWindow } from './StatsWindow.js';

/** Who the history names for automatic rollbacks. */
export const AUTO_ROLLBACK_ACTOR = 'registry (auto-rollback policy)';
/** Who the history names for automatic promotions. */
export const AUTO_PROMOTE_ACTOR = 'registry (promotion policy)';
/** Versions one report may carry. */
export const MAX_REPORTED_VERSIONS = 10_000;
/** Latency buckets one version's report may carry. */
export const MAX_LATENCY_BUCKETS = 200;

export class CanaryWatch {
  readonly window = new StatsWindow();
  /** Calls copied to shadow versions, by shadow version, with their agreement. */
  readonly shadows = new StatsWindow();
  /** Models with a rollback being saved, so one bad report does not roll back twice. */
  private readonly pending = new Set<string>();

  /**
   * `operationContext` builds the context of a rollback by `actor`, as the API's handlers do,
   * so that the history limit and the rest are set in one place.
   */
  constructor(
    private readonly registry: Registry,
    private readonly operationContext: (actor: string, reason: string) => OperationContext,
    private readonly logger: Logger,
  ) {}

  /** A canary starts with a clean record. */
  canaryChanged(model: string, version: number): void {
    this.window.clear(model, version);
  }

  /** A new shadow version is judged on its new copies only. */
  shadowChanged(model: string, version: number): void {
    this.shadows.clear(model, version);
  }

  /** Whether the registry has `version` of `model`. */
  private exists(model: string, version: number): boolean {
    const known = this.registry.current.models;
    return Object.hasOwn(known, model) && known[model]!.versions.some((v) => v.version === version);
  }

  /** Forgets the calls of versions the registry no longer has; called on every change of its state. */
  versionsChanged(): void {
    this.window.retain((model, version) => this.exists(model, version));
    this.shadows.retain((model, version) => this.exists(model, version));
  }

  /** Adds a gateway's report and judges the canaries it is about. */
  report(request: ReportStatsRequest__Output): void {
    const now = Date.now();
    const models = new Set<string>();
    for (const stats of request.stats.slice(0, MAX_REPORTED_VERSIONS)) {
      // A version the registry does not have has no canary to judge; keeping its calls would
      // only let a gateway fill the window with names and numbers.
      if (stats.latency.length > MAX_LATENCY_BUCKETS || !this.exists(stats.model, stats.version)) continue;
      this.window.add(stats, now);
      models.add(stats.model);
    }
    for (const stats of (request.shadow_stats ?? []).slice(0, MAX_REPORTED_VERSIONS)) {
      if (stats.latency.length > MAX_LATENCY_BUCKETS || !this.exists(stats.model, stats.version)) continue;
      this.shadows.add(stats, now);
      models.add(stats.model);
    }
    for (const name of models) {
      this.judge(name, now);
      this.autoPromote(name, now);
    }
  }

  /** The promotion policy's judgement of `model`'s candidate on the calls of its window; undefined without a candidate or a policy. */
  judgePromotion(model: ModelRecord, now = Date.now()): PromotionJudgement | undefined {
    const { rollout } = model;
    const candidate = promotionCandidate(rollout);
    if (candidate === 0 || !rollout.promotion.enabled) return undefined;
    const windowMs = rollout.promotion.windowMs;
    return judgePromotion(rollout.promotion, {
      candidate,
      stable: rollout.stableVersion,
      canary: this.window.summary(model.name, candidate, windowMs, now),
      shadow: this.shadows.summary(model.name, candidate, windowMs, now),
      stableCalls: this.window.summary(model.name, rollout.stableVersion, windowMs, now),
    });
  }

  /** Promotes the candidate when its policy asks for it and every condition holds. */
  private autoPromote(name: string, now: number): void {
    const model = this.registry.current.models[name];
    if (!model || this.pending.has(name) || !model.rollout.promotion.enabled || !model.rollout.promotion.autoPromote) return;
    const judgement = this.judgePromotion(model, now);
    if (!judgement || judgement.unmet !== undefined) return;
    const candidate = promotionCandidate(model.rollout);
    this.pending.add(name);
    this.registry
      .mutate((draft) => {
        const target = draft.models[name];
        if (!target) return;
        promote(target, this.operationContext(AUTO_PROMOTE_ACTOR, 'every condition of the promotion policy holds'), 'AUTO_PROMOTE', judgement.evidence, candidate);
      })
      .then(
        () => this.logger.info({ model: name, version: candidate, evidence: judgement.evidence }, 'promoted automatically'),
        (error: unknown) => this.logger.warn({ model: name, version: candidate, reason: (error as Error).message }, 'automatic promotion not applied'),
      )
      .finally(() => this.pending.delete(name));
  }

  private judge(name: string, now: number): void {
    const model = this.registry.current.models[name];
    if (!model || this.pending.has(name)) return;
    const { rollout } = model;
    if (rollout.canaryVersion === 0 || !rollout.policy.enabled) return;
    const windowMs = rollout.policy.windowMs;
    const reason = judgeCanary(
      rollout.policy,
      { version: rollout.canaryVersion, window: this.window.summary(name, rollout.canaryVersion, windowMs, now) },
      { version: rollout.stableVersion, window: this.window.summary(name, rollout.stableVersion, windowMs, now) },
    );
    if (!reason) return;
    const canary = rollout.canaryVersion;
    this.pending.add(name);
    this.registry
      .mutate((draft) => {
        const target = draft.models[name];
        if (!target) return;
        rollback(target, this.operationContext(AUTO_ROLLBACK_ACTOR, reason), 'AUTO_ROLLBACK', canary);
      })
      .then(
        () => this.logger.warn({ model: name, version: canary, reason }, 'canary rolled back automatically'),
        (error: unknown) => this.logger.warn({ model: name, version: canary, reason: (error as Error).message }, 'automatic rollback not applied'),
      )
      .finally(() => this.pending.delete(name));
  }
}
