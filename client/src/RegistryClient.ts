/**
 * A promise-based client of the registry's API, for the CLI, the local launcher and tests.
 * Errors reject with the registry's gRPC error (`code`, `details`).
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import { clientSecurity, type ClientSecurity } from './grpc/bearer-token.js';
import { clientChannelOptions } from './grpc/client-options.js';
import { unaryCall as unary } from './grpc/unary-call.js';
import type { RolloutField } from './registry/rollout-fields.js';
import {
  registryProto,
  type ListRunnersResponse__Output,
  type Model__Output,
  type PushVersionRequest,
  type ModelVersion__Output,
  type RegisterRunnerRequest,
  type RegisterRunnerResponse__Output,
  type RegisterVersionRequest,
  type RegisterVersionResponse__Output,
  type RegistryClient as GeneratedClient,
  type Rollout,
  type RolloutEvent__Output,
} from '@infermesh/proto/registry';

/** Upload chunk size: far below any message limit, large enough to keep the stream busy. */
const CHUNK_BYTES = 1024 * 1024;
/** Deadline of quick calls. */
const DEFAULT_TIMEOUT_MS = 30_000;
/** Deadline of registrations, which may download a large artifact and load it. */
const REGISTER_TIMEOUT_MS = 30 * 60_000;

/** Who asks, and why, for the rollout history. */
export interface Attribution {
  actor?: string;
  reason?: string;
}

/** The registry's `infermesh.registry.v1.Registry` API as promises; one channel per instance. */
export class RegistryClient {
  /** The generated stub, for calls this class does not wrap. */
  readonly stub: GeneratedClient;

  constructor(
    readonly address: string,
    options: { maxMessageBytes?: number } & ClientSecurity = {},
  ) {
    const { credentials, options: secure } = clientSecurity(options);
    this.stub = new registryProto.Registry(address, credentials, {
      ...clientChannelOptions(options.maxMessageBytes ?? 64 * 1024 * 1024),
      ...secure,
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 1_000,
    });
  }

  /** Resolves once the registry answers, or rejects after `timeoutMs`. */
  waitUntilReady(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) =>
      this.stub.waitForReady(Date.now() + timeoutMs, (error) => (error ? reject(error) : resolve())),
    );
  }

  /** Registers a version from a path on the registry's machine or an http(s) URL. */
  registerVersion(request: RegisterVersionRequest): Promise<RegisterVersionResponse__Output> {
    return unary((done) => this.stub.RegisterVersion(request, this.deadline(REGISTER_TIMEOUT_MS), done));
  }

  /**
   * Uploads a local file as a version's artifact. `onProgress` hears the bytes sent so far;
   * the registry answers once it has checked and loaded the file.
   */
  async pushVersion(
    header: Omit<RegisterVersionRequest, 'artifact' | 'size_bytes'>,
    file: string,
    onProgress?: (sentBytes: number, totalBytes: number) => void,
  ): Promise<RegisterVersionResponse__Output> {
    const { size } = await stat(file);
    let call: grpc.ClientWritableStream<PushVersionRequest> | undefined;
    const answer = unary<RegisterVersionResponse__Output>((done) => {
      call = this.stub.PushVersion(this.deadline(REGISTER_TIMEOUT_MS), done);
    });
    const stream = call!;
    // The registry may refuse the header before the file is sent: stop sending then, and
    // answer its refusal (handled here so that it is not an unhandled rejection meanwhile).
    let answered = false;
    const settled = answer.then(
      () => void (answered = true),
      () => void (answered = true),
    );
    stream.write({ header: { ...header, artifact: path.basename(file), size_bytes: size } });
    let sent = 0;
    try {
      for await (const chunk of createReadStream(file, { highWaterMark: CHUNK_BYTES })) {
        if (answered) break;
        if (!stream.write({ chunk: chunk as Buffer })) await Promise.race([new Promise((resolve) => stream.once('drain', resolve)), settled]);
        sent += (chunk as Buffer).length;
        onProgress?.(sent, size);
      }
      stream.end();
    } catch (error) {
      stream.cancel();
      await answer.catch(() => undefined);
      throw error;
    }
    return answer;
  }

  /** Every model with its versions and rollout. */
  listModels(): Promise<Model__Output[]> {
    return unary<{ models: Model__Output[] }>((done) => this.stub.ListModels({}, this.deadline(), done)).then((r) => r.models);
  }

  /** One model; NOT_FOUND for an unknown one. */
  getModel(model: string): Promise<Model__Output> {
    return unary((done) => this.stub.GetModel({ model }, this.deadline(), done));
  }

  /** Takes a version no rollout uses out of service for good. */
  retireVersion(model: string, version: number, by: Attribution = {}): Promise<ModelVersion__Output> {
    return unary((done) => this.stub.RetireVersion({ model, version, ...by }, this.deadline(), done));
  }

  /**
   * Sets the named fields of a model's rollout (all of them when `fields` is empty); `force` takes
   * a canary or stable version whose signature is not compatible with stable's.
   */
  setRollout(model: string, rollout: Rollout, fields: RolloutField[], by: Attribution & { force?: boolean } = {}): Promise<Model__Output> {
    return unary((done) => this.stub.SetRollout({ model, rollout, fields, ...by }, this.deadline(), done));
  }

  /** The canary becomes the stable version. */
  promote(model: string, by: Attribution = {}): Promise<Model__Output> {
    return unary((done) => this.stub.Promote({ model, ...by }, this.deadline(), done));
  }

  /** The canary gets no more traffic and is marked failed. */
  rollback(model: string, by: Attribution = {}): Promise<Model__Output> {
    return unary((done) => this.stub.Rollback({ model, ...by }, this.deadline(), done));
  }

  /** Takes the model out of service: no version gets calls until a stable version is set again. */
  unload(model: string, by: Attribution = {}): Promise<Model__Output> {
    return unary((done) => this.stub.Unload({ model, ...by }, this.deadline(), done));
  }

  /** The newest `limit` rollout events (0 = all kept), oldest first. */
  history(model: string, limit = 0): Promise<RolloutEvent__Output[]> {
    return unary<{ events: RolloutEvent__Output[] }>((done) => this.stub.GetHistory({ model, limit }, this.deadline(), done)).then((r) => r.events);
  }

  /** Every runner the registry knows, live or not. */
  listRunners(): Promise<ListRunnersResponse__Output['runners']> {
    return unary<ListRunnersResponse__Output>((done) => this.stub.ListRunners({}, this.deadline(), done)).then((r) => r.runners);
  }

  /** Joins a runner (runners do this themselves; for tests and tools). */
  registerRunner(request: RegisterRunnerRequest): Promise<RegisterRunnerResponse__Output> {
    return unary((done) => this.stub.RegisterRunner(request, this.deadline(), done));
  }

  /** Closes the channel. */
  close(): void {
    this.stub.close();
  }

  private deadline(timeoutMs = DEFAULT_TIMEOUT_MS): grpc.CallOptions {
    return { deadline: Date.now() + timeoutMs };
  }
}
