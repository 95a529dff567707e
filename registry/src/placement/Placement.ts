/**
 * Placement: makes the runners hold what the rollouts use. Every `syncMs` it asks each live
 * runner what it holds (RunnerControl.Status); then it loads every version a rollout uses on
 * its replicas of matching runners (LoadModel, which answers once the version is READY, so
 * routes only ever name ready runners), unloads versions no rollout has used for
 * `unloadDelayMs`, and brings each version's status up to date. Among registry replicas only
 * the leader places: the others keep it paused.
 */
import { wantedReplicas, type Logger } from '@infermesh/common';
import type { Registry } from '../Registry.js';
import { runnerHolds } from '../routing/route-table.js';
import type { ModelRecord, RegistryState, RunnerRecord, VersionRecord } from '../state/registry-state.js';
import { holdsArtifactOf, versionKey } from '../state/registry-state.js';
import { versionsInUse } from '../state/rollout-use.js';
import { deriveStatus, stickyStatus } from './derive-status.js';
import type { Membership } from './Membership.js';
import type { RunnerControls } from './RunnerControls.js';
import { RunnerOperations } from './RunnerOperations.js';

/** Timing of placement. */
export interface PlacementOptions {
  syncMs: number;
  unloadDelayMs: number;
  loadTimeoutMs: number;
  loadRetryMs: number;
}

/** Deadline of a Status call. */
const STATUS_TIMEOUT_MS = 2_000;

export class Placement {
  private readonly operations: RunnerOperations;
  /** version key → epoch ms since no rollout uses it. */
  private readonly unusedSince = new Map<string, number>();
  private readonly syncing = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private reconciling: Promise<void> | undefined;
  private again = false;
  private closed = false;
  private active = false;

  constructor(
    private readonly registry: Registry,
    private readonly membership: Membership,
    private readonly controls: RunnerControls,
    private readonly options: PlacementOptions,
    private readonly logger: Logger,
  ) {
    this.operations = new RunnerOperations(registry, controls, options, logger, (runner, failed) => {
      // A failed operation leaves the runner in a state worth asking about.
      if (failed) void this.sync(runner).finally(() => this.trigger());
      else this.trigger();
    });
  }

  /** Places from now on (this replica leads). */
  start(): void {
    if (this.closed || this.active) return;
    this.active = true;
    this.timer = setInterval(() => void this.tick(), this.options.syncMs);
    this.timer.unref();
    void this.tick();
  }

  /** Stops placing until {@link start} (another replica leads); operations in flight finish on their own. */
  pause(): void {
    this.active = false;
    clearInterval(this.timer);
    // Versions unused since before are counted again by whoever leads next.
    this.unusedSince.clear();
  }

  /** Whether this registry places now. */
  get placing(): boolean {
    return this.active;
  }

  /** Stops placing; operations in flight finish on their own. */
  close(): void {
    this.closed = true;
    this.pause();
  }

  /** Asks every live runner what it holds, then reconciles. */
  async tick(): Promise<void> {
    if (!this.active) return;
    const live = this.membership.live(this.registry.current.runners);
    await Promise.all(live.map((runner) => this.sync(runner.name)));
    this.trigger();
  }

  /** Reconciles soon; calls while one runs make it run once more. */
  trigger(): void {
    if (this.closed || !this.active) return;
    if (this.reconciling) {
      this.again = true;
      return;
    }
    this.reconciling = this.reconcile()
      .catch((error: unknown) => this.logger.error({ err: error }, 'placement failed'))
      .finally(() => {
        this.reconciling = undefined;
        if (this.again) {
          this.again = false;
          this.trigger();
        }
      });
  }

  /** Runner name → why it failed to load a version, for its status. */
  loadFailures(model: string, version: number): ReadonlyMap<string, string> {
    return this.operations.loadFailures(model, version);
  }

  /** Asks one runner what it holds and records the registry's versions among them. */
  async sync(name: string): Promise<void> {
    const runner = this.registry.current.runners[name];
    if (!runner || this.syncing.has(name) || this.operations.busy(name)) return;
    this.syncing.add(name);
    const startedAt = performance.now();
    try {
      const status = await this.controls.status(runner, STATUS_TIMEOUT_MS).catch(() => undefined);
      // An operation that ended after this Status was asked for knows better.
      if (!status || this.operations.busy(name) || this.operations.endedAfter(name, startedAt)) return;
      if (status.runner_name !== name) {
        this.logger.warn({ runner: name, address: runner.address, answeredAs: status.runner_name }, 'another runner answers at this address');
        return;
      }
      const models = this.registry.current.models;
      const versions = status.models
        .filter((model) => models[model.name] !== undefined)
        .map((model) => ({
          model: model.name,
          version: Number(model.version),
          state: model.state,
          artifactPath: model.artifact_path,
          ...(model.artifact_sha256 === '' ? {} : { sha256: model.artifact_sha256 }),
        }));
      // Most syncs find what the registry already knows: no need for a save then.
      if (JSON.stringify(versions) === JSON.stringify(this.registry.current.runners[name]?.versions)) return;
      await this.registry.mutate((draft) => {
        const record = draft.runners[name];
        if (record?.address === runner.address) record.versions = versions;
      });
    } finally {
      this.syncing.delete(name);
    }
  }

  /** A runner joined again (a new process): what it held before is gone. */
  forgetFailures(name: string): void {
    this.operations.forgetFailures(name);
  }

  private async reconcile(): Promise<void> {
    const state = this.registry.current;
    const live = this.membership.live(state.runners);
    const now = Date.now();
    for (const model of Object.values(state.models)) {
      const used = versionsInUse(model.rollout);
      for (const version of model.versions) {
        const key = versionKey(model.name, version.version);
        if (used.has(version.version) && version.status !== 'retired') {
          this.unusedSince.delete(key);
          this.place(version, live, state);
        } else if (!this.unusedSince.has(key)) {
          this.unusedSince.set(key, now);
        }
      }
    }
    for (const runner of live) this.clean(runner, state, now);
    await this.updateStatuses(live);
  }

  /** Starts loads so that `version` reaches its replicas. */
  private place(version: VersionRecord, live: RunnerRecord[], state: RegistryState): void {
    const key = versionKey(version.model, version.version);
    const { wanted, matching } = wantedReplicas(version, live);
    const holding = matching.filter((runner) => runnerHolds(runner, version) || this.operations.current(runner.name, key) === 'load');
    let missing = wanted - holding.length;
    if (missing <= 0) return;
    const now = Date.now();
    const candidates = matching
      .filter((runner) => !holding.includes(runner) && !this.operations.current(runner.name, key))
      .filter((runner) => this.operations.mayLoad(runner.name, key, now))
      .filter((runner) => this.hasRoom(runner, version, state))
      .sort((a, b) => this.load(a) - this.load(b) || a.name.localeCompare(b.name));
    for (const runner of candidates) {
      if (missing-- <= 0) break;
      this.operations.load(runner, version);
    }
  }

  /** Versions a runner holds or is loading: placement spreads versions over the least loaded. */
  private load(runner: RunnerRecord): number {
    return runner.versions.length + this.operations.loading(runner.name);
  }

  /** True unless the runner reported its memory and the registry's artifacts there would outgrow it. */
  private hasRoom(runner: RunnerRecord, version: VersionRecord, state: RegistryState): boolean {
    if (runner.memoryBytes === 0) return true;
    const used = runner.versions.reduce((sum, held) => {
      const record = state.models[held.model]?.versions.find((v) => v.version === held.version);
      return sum + (record?.sizeBytes ?? 0);
    }, 0);
    return used + version.sizeBytes <= runner.memoryBytes;
  }

  /**
   * Unloads what a runner should not hold: versions no rollout has used for `unloadDelayMs`
   * (in-flight calls routed before the change finish meanwhile), and a version loaded from an
   * artifact other than the registry's (e.g. the runner's own repository), which must be
   * replaced by the registry's bytes.
   */
  private clean(runner: RunnerRecord, state: RegistryState, now: number): void {
    for (const held of runner.versions) {
      const model: ModelRecord | undefined = state.models[held.model];
      const version = model?.versions.find((v) => v.version === held.version);
      if (!model || !version || held.state === 'UNLOADING') continue;
      const key = versionKey(held.model, held.version);
      if (this.operations.current(runner.name, key)) continue;
      if (!holdsArtifactOf(held, version) && held.state !== 'LOADING') {
        this.logger.warn({ runner: runner.name, model: held.model, version: held.version, artifact: held.artifactPath }, 'runner holds another artifact of this version; unloading it');
        this.operations.unload(runner, held);
        continue;
      }
      const unused = this.unusedSince.get(key);
      if (unused !== undefined && now - unused >= this.options.unloadDelayMs) this.operations.unload(runner, held);
    }
  }

  private async updateStatuses(live: RunnerRecord[]): Promise<void> {
    const changes: { model: string; version: number; status: VersionRecord['status']; reason: string }[] = [];
    for (const model of Object.values(this.registry.current.models)) {
      for (const version of model.versions) {
        const next = deriveStatus(model, version, live, this.loadFailures(model.name, version.version));
        if (next.status !== version.status || next.reason !== version.statusReason) changes.push({ model: model.name, version: version.version, ...next });
      }
    }
    if (changes.length === 0) return;
    await this.registry.mutate((draft) => {
      for (const change of changes) {
        const model = draft.models[change.model];
        const version = model?.versions.find((v) => v.version === change.version);
        // An operation may have retired it or rolled it back meanwhile; those stick.
        if (!model || !version || stickyStatus(model, version)) continue;
        version.status = change.status;
        version.statusReason = change.reason;
      }
    });
  }
}
