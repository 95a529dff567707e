/**
 * What the status page shows of the registry: whether the route stream is up and how fresh
 * the routes are, each rollout's rollback policy and the recent rollout history. Policies and
 * history are asked for only when a page is rendered (ListModels, then GetHistory per model
 * with a rollout), and kept for a couple of seconds so that open pages do not multiply calls.
 */
import { unaryCall } from '@infermesh/common';
import type { GetHistoryResponse__Output, ListModelsResponse__Output, RegistryClient, RollbackPolicy__Output } from '@infermesh/proto/registry';
import type { RouteStreamHealth } from '../registry/RouteWatcher.js';

/** One rollout change, as the page lists it. */
export interface RolloutHistoryEntry {
  model: string;
  atMs: number;
  actor: string;
  /** SET, PROMOTE, ROLLBACK, AUTO_ROLLBACK, RETIRE or UNLOAD. */
  action: string;
  reason: string;
  /** The rollout after the event ('' for none). */
  stable: string;
  canary: string;
  canaryWeightBps: number;
  /** The version the event is about ('' when none). */
  version: string;
}

/** A rollout's rollback policy, as the page compares a canary with it. */
export interface PolicyView {
  enabled: boolean;
  maxErrorRate: number;
  maxP99Ratio: number;
  minRequests: number;
  windowMs: number;
}

/** The registry as the page shows it. */
export interface RegistryHealth extends RouteStreamHealth {
  address: string;
  /** Rollback policy by model, for models with a rollout. */
  policies: Record<string, PolicyView>;
  /** Newest first, at most HISTORY_LIMIT per model and MAX_HISTORY in all. */
  history: RolloutHistoryEntry[];
  /** Why policies or history could not be read; absent when they were. */
  error?: string;
}

/** Calls to the registry for one page must not hold the page up for long. */
const TIMEOUT_MS = 1_500;
/** How long one read of policies and history serves every page. */
const CACHE_MS = 2_000;
const HISTORY_LIMIT = 10;
const MAX_HISTORY = 30;
/** Models whose history one page asks for: a bound on the calls of one read. */
const MAX_MODELS = 20;

const versionText = (version: number) => (version === 0 ? '' : String(version));

export class RegistryView {
  private cached: { atMs: number; read: Promise<Pick<RegistryHealth, 'policies' | 'history' | 'error'>> } | undefined;

  constructor(
    private readonly client: RegistryClient,
    private readonly address: string,
    private readonly stream: () => RouteStreamHealth,
    private readonly now: () => number = Date.now,
  ) {}

  async health(): Promise<RegistryHealth> {
    if (!this.cached || this.now() - this.cached.atMs > CACHE_MS) this.cached = { atMs: this.now(), read: this.read() };
    return { address: this.address, ...this.stream(), ...(await this.cached.read) };
  }

  private async read(): Promise<Pick<RegistryHealth, 'policies' | 'history' | 'error'>> {
    const deadline = { deadline: this.now() + TIMEOUT_MS };
    try {
      const { models } = await unaryCall<ListModelsResponse__Output>((done) => this.client.ListModels({}, deadline, done));
      const policies: Record<string, PolicyView> = {};
      const withRollout = models.filter((model) => model.rollout && model.rollout.stable_version !== 0);
      for (const model of withRollout) policies[model.name] = policyView(model.rollout!.policy);
      const histories = await Promise.all(
        withRollout.slice(0, MAX_MODELS).map(async (model) => {
          const { events } = await unaryCall<GetHistoryResponse__Output>((done) => this.client.GetHistory({ model: model.name, limit: HISTORY_LIMIT }, deadline, done));
          return events.map((event): RolloutHistoryEntry => ({
            model: model.name,
            atMs: Number(event.at_ms),
            actor: event.actor,
            action: event.action,
            reason: event.reason,
            stable: versionText(event.stable_version),
            canary: versionText(event.canary_version),
            canaryWeightBps: event.canary_weight_bp,
            version: versionText(event.version),
          }));
        }),
      );
      const history = histories.flat().sort((a, b) => b.atMs - a.atMs).slice(0, MAX_HISTORY);
      return { policies, history };
    } catch (error) {
      // The next page asks again rather than showing a stale failure for the cache's time.
      this.cached = undefined;
      return { policies: {}, history: [], error: (error as { details?: string; message: string }).details || (error as Error).message };
    }
  }
}

function policyView(policy: RollbackPolicy__Output | null): PolicyView {
  return {
    enabled: policy?.enabled ?? false,
    maxErrorRate: policy?.max_error_rate ?? 0,
    maxP99Ratio: policy?.max_p99_ratio ?? 0,
    minRequests: policy?.min_requests ?? 0,
    windowMs: policy?.window_ms ?? 0,
  };
}
