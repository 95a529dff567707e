/**
 * Takes the gateways' per-version reports and rolls a canary back as soon as its recent
 * calls break its model's policy. The rollback is an ordinary rollout event, with the
 * reason, by the actor `registry (auto-rollback policy)`.
 */
import type { Logger } from '@infermesh/common';
import type { ReportStatsRequest__Output } from '@infermesh/proto/registry';
import type { Registry } from '../Registry.js';
import { rollback, type OperationContext } from '../state/rollout-operations.js';
import { judgeCanary } from './judge-canary.js';
import { StatsWindow } from './StatsWindow.js';

/** Who the history names for automatic rollbacks. */
export const AUTO_ROLLBACK_ACTOR = 'registry (auto-rollback policy)';
/** Versions one report may carry. */
export const MAX_REPORTED_VERSIONS = 10_000;
/** Latency buckets one version's report may carry. */
export const MAX_LATENCY_BUCKETS = 200;

export class CanaryWatch {
  readonly window = new StatsWindow();
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

  /** Whether the registry has `version` of `model`. */
  private exists(model: string, version: number): boolean {
    const known = this.registry.current.models;
    return Object.hasOwn(known, model) && known[model]!.versions.some((v) => v.version === version);
  }

  /** Forgets the calls of versions the registry no longer has; called on every change of its state. */
  versionsChanged(): void {
    this.window.retain((model, version) => this.exists(model, version));
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
    for (const name of models) this.judge(name, now);
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
