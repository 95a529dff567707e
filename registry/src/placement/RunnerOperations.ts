/**
 * The loads and unloads placement asks runners for, one at a time per runner and version:
 * what is in flight, when the last one ended (Status answers asked before that are stale),
 * and which loads failed where and why. A finished operation is recorded in the runner's
 * record before it stops counting as in flight, so no reconcile in between repeats it.
 */
import type { Logger } from '@infermesh/common';
import type { Registry } from '../Registry.js';
import { versionKey, type RunnerRecord, type RunnerVersionRecord, type VersionRecord } from '../state/registry-state.js';
import type { RunnerControls } from './RunnerControls.js';

/** Deadline of an UnloadModel call: it waits for the calls in flight. */
const UNLOAD_TIMEOUT_MS = 120_000;

type Operation = 'load' | 'unload';

/** What to do once an operation ended: `failed` asks for a fresh Status of the runner. */
export type OperationEnded = (runner: string, failed: boolean) => void;

export class RunnerOperations {
  /** runner name → version key → operation in flight. */
  private readonly inFlight = new Map<string, Map<string, Operation>>();
  /** runner name → performance.now() when its last operation ended. */
  private readonly lastEnded = new Map<string, number>();
  /** `runner\0versionKey` → when and why a load failed there. */
  private readonly failures = new Map<string, { atMs: number; reason: string }>();

  constructor(
    private readonly registry: Registry,
    private readonly controls: RunnerControls,
    private readonly options: { loadTimeoutMs: number; loadRetryMs: number },
    private readonly logger: Logger,
    private readonly ended: OperationEnded,
  ) {}

  /** The operation in flight on a runner for a version, if any. */
  current(runner: string, key: string): Operation | undefined {
    return this.inFlight.get(runner)?.get(key);
  }

  /** True while any operation runs on the runner. */
  busy(runner: string): boolean {
    return (this.inFlight.get(runner)?.size ?? 0) > 0;
  }

  /** True when an operation on the runner ended after `since` (performance.now()). */
  endedAfter(runner: string, since: number): boolean {
    return (this.lastEnded.get(runner) ?? 0) > since;
  }

  /** Loads in flight on a runner. */
  loading(runner: string): number {
    return [...(this.inFlight.get(runner)?.values() ?? [])].filter((op) => op === 'load').length;
  }

  /** False while a failed load of the version on the runner waits for its retry time. */
  mayLoad(runner: string, key: string, nowMs: number): boolean {
    const failure = this.failures.get(`${runner}\u0000${key}`);
    return !failure || nowMs - failure.atMs >= this.options.loadRetryMs;
  }

  /** Runner name → why it failed to load a version, for the last failure of each; for its status. */
  loadFailures(model: string, version: number): Map<string, string> {
    const suffix = `\u0000${versionKey(model, version)}`;
    const reasons = new Map<string, string>();
    for (const [key, failure] of this.failures) if (key.endsWith(suffix)) reasons.set(key.slice(0, -suffix.length), failure.reason);
    return reasons;
  }

  /** A runner joined again (a new process): its old failures no longer hold. */
  forgetFailures(runner: string): void {
    for (const key of this.failures.keys()) if (key.startsWith(`${runner}\u0000`)) this.failures.delete(key);
  }

  /** LoadModel of `version` on `runner`, in the background. */
  load(runner: RunnerRecord, version: VersionRecord): void {
    const key = versionKey(version.model, version.version);
    const fields = { runner: runner.name, model: version.model, version: version.version };
    const order = {
      name: version.model,
      version: String(version.version),
      artifactPath: version.artifactPath,
      sha256: version.sha256,
      sizeBytes: version.sizeBytes,
      configYaml: version.configYaml,
    };
    const started = performance.now();
    this.logger.info(fields, 'loading model version on runner');
    this.run(runner, key, 'load', fields, async () => {
      const loaded = await this.controls.load(runner, order, this.options.loadTimeoutMs);
      this.failures.delete(`${runner.name}\u0000${key}`);
      this.logger.info({ ...fields, loadMs: Math.round(performance.now() - started) }, 'model version ready on runner');
      // As the runner's Status will report it, so the next sync finds nothing to save.
      const sha256 = loaded ? loaded.artifact_sha256 : version.sha256;
      await this.record(runner, {
        model: version.model,
        version: version.version,
        state: loaded?.state ?? 'READY',
        artifactPath: loaded?.artifact_path || version.artifactPath,
        ...(sha256 === '' ? {} : { sha256 }),
      });
    });
  }

  /** UnloadModel of a version a runner holds, in the background. */
  unload(runner: RunnerRecord, held: RunnerVersionRecord): void {
    const fields = { runner: runner.name, model: held.model, version: held.version };
    this.logger.info(fields, 'unloading model version from runner');
    this.run(runner, versionKey(held.model, held.version), 'unload', fields, async () => {
      await this.controls.unload(runner, held.model, String(held.version), UNLOAD_TIMEOUT_MS);
      await this.record(runner, { ...held, state: 'GONE' });
    });
  }

  private run(runner: RunnerRecord, key: string, operation: Operation, fields: object, work: () => Promise<void>): void {
    const operations = this.inFlight.get(runner.name) ?? new Map<string, Operation>();
    operations.set(key, operation);
    this.inFlight.set(runner.name, operations);
    void work().then(
      () => this.end(runner.name, key, false),
      (error: unknown) => {
        // onnxruntime's messages end with a line break; a status reason reads better without.
        const reason = ((error as { details?: string }).details || (error as Error).message).trim();
        if (operation === 'load') this.failures.set(`${runner.name}\u0000${key}`, { atMs: Date.now(), reason });
        this.logger.warn({ ...fields, reason }, `runner could not ${operation} model version`);
        this.end(runner.name, key, true);
      },
    );
  }

  private end(runner: string, key: string, failed: boolean): void {
    this.inFlight.get(runner)?.delete(key);
    this.lastEnded.set(runner, performance.now());
    this.ended(runner, failed);
  }

  /** Records what an operation left on a runner (state GONE removes the entry). */
  private record(runner: RunnerRecord, held: RunnerVersionRecord): Promise<void> {
    return this.registry.mutate((draft) => {
      const record = draft.runners[runner.name];
      if (!record || record.address !== runner.address) return;
      const others = record.versions.filter((v) => v.model !== held.model || v.version !== held.version);
      record.versions = held.state === 'GONE' ? others : [...others, held];
    });
  }
}
