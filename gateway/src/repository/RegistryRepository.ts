/**
 * Triton's repository methods mapped onto the registry. Load makes the model's stable
 * version (the newest usable one if it has none) serve and waits until this gateway routes
 * to it; unload takes every version out of the rollout, so the routes drop it at once and
 * runners drain and unload it after the registry's unload delay.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { ServiceError, unaryCall } from '@infermesh/common';
import type { Model__Output, ModelVersion__Output, RegisterVersionRequest, RegisterVersionResponse__Output, RegistryClient } from '@infermesh/proto/registry';
import type { Router } from '../Router.js';
import type { LoadOverride, ModelIndexEntry, ModelRepository } from './ModelRepository.js';

const POLL_MS = 100;
/** Deadline of each registry call. */
const REGISTRY_CALL_MS = 10_000;
/** Deadline of registering a version: the registry loads the file to read its signature. */
const REGISTER_CALL_MS = 120_000;
/** Bytes per PushVersion chunk. */
const UPLOAD_CHUNK_BYTES = 1024 * 1024;
/** Why the rollout changes, in the registry's history. */
const OVERRIDE_REASON = 'RepositoryModelLoad config override';

/** A registry version status in Triton's words, with the reason Triton would give. */
function tritonState(version: ModelVersion__Output): { state: string; reason: string } {
  switch (version.status) {
    case 'VERSION_STATUS_SERVING':
    case 'VERSION_STATUS_READY':
      return { state: 'READY', reason: version.status_reason };
    case 'VERSION_STATUS_LOADING':
      return { state: 'LOADING', reason: version.status_reason };
    case 'VERSION_STATUS_FAILED':
      return { state: 'UNAVAILABLE', reason: version.status_reason || 'rolled back' };
    default:
      return { state: 'UNAVAILABLE', reason: 'unloaded' };
  }
}

/** The version a load serves when the model has no stable one: the newest usable, else the newest. */
function versionToLoad(model: Model__Output): number {
  const usable = model.versions.filter((v) => v.status !== 'VERSION_STATUS_RETIRED');
  if (usable.length === 0) {
    throw ServiceError.failedPrecondition(`model '${model.name}' has no version to load: ${model.versions.length === 0 ? 'none is registered' : 'every version is retired'}`);
  }
  const healthy = usable.filter((v) => v.status !== 'VERSION_STATUS_FAILED');
  return Math.max(...(healthy.length > 0 ? healthy : usable).map((v) => v.version));
}

export class RegistryRepository implements ModelRepository {
  constructor(
    private readonly registry: RegistryClient,
    private readonly router: Router,
    /** Who the rollout history says acted: this gateway. */
    private readonly actor: string,
  ) {}

  async index(readyOnly: boolean, authorization?: string): Promise<ModelIndexEntry[]> {
    const { models } = await unaryCall<{ models: Model__Output[] }>((done) => this.registry.ListModels({}, this.metadata(authorization), this.options(), done));
    const entries: ModelIndexEntry[] = [];
    for (const model of models) {
      for (const version of model.versions) {
        if (version.status === 'VERSION_STATUS_RETIRED') continue;
        entries.push({ name: model.name, version: String(version.version), ...tritonState(version) });
      }
    }
    return readyOnly ? entries.filter((entry) => entry.state === 'READY') : entries;
  }

  async load(name: string, deadlineMs: number, authorization?: string, override?: LoadOverride): Promise<void> {
    if (override) return this.loadOverride(name, deadlineMs, authorization, override);
    let model = await this.model(name, authorization);
    let stable = model.rollout?.stable_version ?? 0;
    if (stable === 0) {
      stable = versionToLoad(model);
      model = await this.setStable(name, stable, 'RepositoryModelLoad', authorization);
      // Leave the model as it was before this call, so the registry stops retrying a load nobody wants.
      await this.waitServing(model, stable, deadlineMs, authorization, (failure) => this.unloadModel(name, `RepositoryModelLoad failed: ${failure}`, authorization));
    } else {
      await this.waitServing(model, stable, deadlineMs, authorization);
    }
  }

  /**
   * Registers a new version with the override's config and the serving version's artifact
   * (or the uploaded file) and makes it the stable version: at once for a model without one,
   * else as the canary at weight 0, promoted once it is ready, so the old version serves until
   * then. When the new version cannot serve, it is rolled back and the model stays as it was.
   */
  private async loadOverride(name: string, deadlineMs: number, authorization: string | undefined, override: LoadOverride): Promise<void> {
    const current = await this.model(name, authorization).catch((error: { code?: number }) => {
      // A new model may come with its file, as in Triton; without one there is nothing to configure.
      if (error.code === grpc.status.NOT_FOUND && override.file) return undefined;
      throw error;
    });
    const before = current?.rollout?.stable_version ?? 0;
    const canary = current?.rollout?.canary_version ?? 0;
    if (canary > 0) {
      throw ServiceError.failedPrecondition(`model '${name}' has canary version ${canary} in its rollout; promote it or roll it back before loading a new config`);
    }
    const base = current && (before || versionToLoad(current));
    const baseVersion = current?.versions.find((v) => v.version === base);
    const header: RegisterVersionRequest = {
      model: name,
      config_yaml: override.configYaml,
      actor: this.actor,
      ...(baseVersion ? { labels: baseVersion.labels, replicas: baseVersion.replicas, device: baseVersion.device } : {}),
    };
    const { version } = override.file
      ? await this.upload(header, override.file, authorization)
      : await unaryCall<RegisterVersionResponse__Output>((done) =>
          this.registry.RegisterVersion({ ...header, artifact_of_version: base }, this.metadata(authorization), this.options(REGISTER_CALL_MS), done),
        );
    const number = version!.version;
    const failed = `${OVERRIDE_REASON} failed`;
    if (before === 0) {
      const model = await this.setStable(name, number, OVERRIDE_REASON, authorization);
      await this.waitServing(model, number, deadlineMs, authorization, (failure) => this.unloadModel(name, `${failed}: ${failure}`, authorization));
      return;
    }
    // An uploaded file replaces the model, as in Triton, even when its signature differs.
    let model = await this.rolloutCall('SetRollout', {
      model: name,
      rollout: { canary_version: number, canary_weight_bp: 0 },
      fields: ['canary_version', 'canary_weight_bp'],
      actor: this.actor,
      reason: OVERRIDE_REASON,
      force: override.file !== undefined,
    }, authorization);
    await this.waitServing(model, before, deadlineMs, authorization, (failure) =>
      this.rolloutCall('Rollback', { model: name, actor: this.actor, reason: `${failed}: ${failure}` }, authorization).then(() => undefined),
    );
    model = await this.rolloutCall('Promote', { model: name, actor: this.actor, reason: OVERRIDE_REASON }, authorization);
    await this.waitServing(model, number, deadlineMs, authorization);
  }

  /** PushVersion of an uploaded model file: the header, then the bytes in chunks. */
  private upload(header: RegisterVersionRequest, file: NonNullable<LoadOverride['file']>, authorization: string | undefined): Promise<RegisterVersionResponse__Output> {
    return unaryCall<RegisterVersionResponse__Output>((done) => {
      const call = this.registry.PushVersion(this.metadata(authorization), this.options(REGISTER_CALL_MS), done);
      call.write({ header: { ...header, artifact: file.name, size_bytes: file.bytes.length } });
      for (let offset = 0; offset < file.bytes.length; offset += UPLOAD_CHUNK_BYTES) call.write({ chunk: file.bytes.subarray(offset, offset + UPLOAD_CHUNK_BYTES) });
      call.end();
    });
  }

  private setStable(name: string, version: number, reason: string, authorization: string | undefined): Promise<Model__Output> {
    return this.rolloutCall('SetRollout', { model: name, rollout: { stable_version: version }, fields: ['stable_version'], actor: this.actor, reason }, authorization);
  }

  /** A registry call that changes the rollout and answers the model. */
  private rolloutCall<M extends 'SetRollout' | 'Promote' | 'Rollback'>(
    method: M,
    request: Parameters<RegistryClient[M]>[0],
    authorization: string | undefined,
  ): Promise<Model__Output> {
    const call = this.registry[method].bind(this.registry) as (
      request: Parameters<RegistryClient[M]>[0],
      metadata: grpc.Metadata,
      options: grpc.CallOptions,
      done: grpc.requestCallback<Model__Output>,
    ) => void;
    return unaryCall<Model__Output>((done) => call(request, this.metadata(authorization), this.options(), done));
  }

  private async unloadModel(name: string, reason: string, authorization: string | undefined): Promise<void> {
    await unaryCall((done) => this.registry.Unload({ model: name, actor: this.actor, reason }, this.metadata(authorization), this.options(), done));
  }

  /**
   * Waits until `stable` (and the canary, if any) serve and this gateway routes to `stable`.
   * When one cannot serve, `undo` puts the model back before the call fails.
   */
  private async waitServing(
    model: Model__Output,
    stable: number,
    deadlineMs: number,
    authorization: string | undefined,
    undo?: (failure: string) => Promise<void>,
  ): Promise<void> {
    const name = model.name;
    const inUse = [stable, model.rollout?.canary_version ?? 0].filter((v) => v > 0);
    for (;;) {
      const failure = this.failure(model, inUse);
      if (failure) {
        await undo?.(failure);
        throw ServiceError.failedPrecondition(`failed to load model '${name}': ${failure}`);
      }
      if (this.serving(model, inUse) && this.router.versions(name).includes(String(stable))) return;
      if (Date.now() + POLL_MS > deadlineMs) {
        throw ServiceError.deadlineExceeded(`model '${name}' version ${stable} is still loading; the registry goes on placing it`);
      }
      await sleep(POLL_MS);
      model = await this.model(name, authorization);
    }
  }

  async unload(name: string, deadlineMs: number, authorization?: string): Promise<void> {
    const model = await this.model(name, authorization);
    const rollout = model.rollout;
    const inUse = rollout && (rollout.stable_version > 0 || rollout.canary_version > 0 || rollout.rules.length > 0);
    if (inUse) await this.unloadModel(name, 'RepositoryModelUnload', authorization);
    while (this.router.versions(name).length > 0) {
      if (Date.now() + POLL_MS > deadlineMs) throw ServiceError.deadlineExceeded(`model '${name}' is unloaded in the registry; this gateway's routes have not caught up yet`);
      await sleep(POLL_MS);
    }
  }

  private model(name: string, authorization: string | undefined): Promise<Model__Output> {
    return unaryCall<Model__Output>((done) => this.registry.GetModel({ model: name }, this.metadata(authorization), this.options(), done));
  }

  /** Why a version the load waits for cannot serve, or undefined while it may still. */
  private failure(model: Model__Output, versions: readonly number[]): string | undefined {
    for (const number of versions) {
      const version = model.versions.find((v) => v.version === number);
      if (!version) return `version ${number} is not registered`;
      if (version.status === 'VERSION_STATUS_FAILED') return `version ${number} failed: ${version.status_reason || 'rolled back'}`;
      if (version.status === 'VERSION_STATUS_LOADING' && version.status_reason !== '') return `version ${number}: ${version.status_reason}`;
    }
    return undefined;
  }

  private serving(model: Model__Output, versions: readonly number[]): boolean {
    return versions.every((number) => {
      const status = model.versions.find((v) => v.version === number)?.status;
      return status === 'VERSION_STATUS_SERVING' || status === 'VERSION_STATUS_READY';
    });
  }

  /** The caller's token goes on to the registry, which checks it again (writes need the admin role). */
  private metadata(authorization: string | undefined): grpc.Metadata {
    const metadata = new grpc.Metadata();
    if (authorization !== undefined) metadata.set('authorization', authorization);
    return metadata;
  }

  private options(timeoutMs = REGISTRY_CALL_MS) {
    return { deadline: Date.now() + timeoutMs };
  }
}
