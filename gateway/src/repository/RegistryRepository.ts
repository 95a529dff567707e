/**
 * Triton's repository methods mapped onto the registry. Load makes the model's stable
 * version (the newest usable one if it has none) serve and waits until this gateway routes
 * to it; unload takes every version out of the rollout, so the routes drop it at once and
 * runners drain and unload it after the registry's unload delay.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { ServiceError, unaryCall } from '@infermesh/common';
import type { Model__Output, ModelVersion__Output, RegistryClient } from '@infermesh/proto/registry';
import type { Router } from '../Router.js';
import type { ModelIndexEntry, ModelRepository } from './ModelRepository.js';

const POLL_MS = 100;
/** Deadline of each registry call. */
const REGISTRY_CALL_MS = 10_000;

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

  async load(name: string, deadlineMs: number, authorization?: string): Promise<void> {
    let model = await this.model(name, authorization);
    let stable = model.rollout?.stable_version ?? 0;
    const setHere = stable === 0;
    if (setHere) {
      stable = versionToLoad(model);
      model = await unaryCall<Model__Output>((done) =>
        this.registry.SetRollout(
          { model: name, rollout: { stable_version: stable }, fields: ['stable_version'], actor: this.actor, reason: 'RepositoryModelLoad' },
          this.metadata(authorization),
          this.options(),
          done,
        ),
      );
    }
    const inUse = [stable, model.rollout?.canary_version ?? 0].filter((v) => v > 0);
    for (;;) {
      const failure = this.failure(model, inUse);
      if (failure) {
        // Leave the model as it was before this call, so the registry stops retrying a load nobody wants.
        if (setHere) await unaryCall((done) => this.registry.Unload({ model: name, actor: this.actor, reason: `RepositoryModelLoad failed: ${failure}` }, this.metadata(authorization), this.options(), done));
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
    if (inUse) {
      await unaryCall((done) => this.registry.Unload({ model: name, actor: this.actor, reason: 'RepositoryModelUnload' }, this.metadata(authorization), this.options(), done));
    }
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

  private options() {
    return { deadline: Date.now() + REGISTRY_CALL_MS };
  }
}
