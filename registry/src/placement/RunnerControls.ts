/** The registry's RunnerControl clients, one channel per runner, with promises and deadlines. */
import * as grpc from '@grpc/grpc-js';
import { clientChannelOptions, unaryCall as unary } from '@infermesh/common';
import { runnerProto, type RunnerControlClient, type StatusResponse__Output, type ModelVersionStatus__Output } from '@infermesh/proto';
import type { RunnerRecord } from '../state/registry-state.js';

/** RunnerControl messages are small; a Status of many versions stays far below this. */
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

export class RunnerControls {
  private readonly clients = new Map<string, { address: string; client: RunnerControlClient }>();

  /** `credentials`: how the registry connects to runners, the mesh's TLS; plaintext by default. */
  constructor(private readonly credentials: grpc.ChannelCredentials = grpc.credentials.createInsecure()) {}

  /** Status of a runner; rejects when it does not answer within `timeoutMs`. */
  status(runner: RunnerRecord, timeoutMs: number): Promise<StatusResponse__Output> {
    return unary((done) => this.client(runner).Status({}, { deadline: Date.now() + timeoutMs }, done));
  }

  /** LoadModel; resolves with the version's status once it is READY. */
  async load(
    runner: RunnerRecord,
    order: { name: string; version: string; artifactPath: string; sha256: string; sizeBytes: number; configYaml: string },
    timeoutMs: number,
  ): Promise<ModelVersionStatus__Output | null> {
    // The runner loads by sha256 from its artifact cache, fetching what it lacks from this registry.
    const request = {
      name: order.name,
      version: order.version,
      artifact_path: order.artifactPath,
      artifact_sha256: order.sha256,
      artifact_size_bytes: order.sizeBytes,
      config_yaml: order.configYaml,
    };
    const response = await unary<{ model: ModelVersionStatus__Output | null }>((done) =>
      this.client(runner).LoadModel(request, { deadline: Date.now() + timeoutMs }, done),
    );
    return response.model;
  }

  /** UnloadModel; resolves once the version is gone. */
  async unload(runner: RunnerRecord, name: string, version: string, timeoutMs: number): Promise<void> {
    await unary((done) => this.client(runner).UnloadModel({ name, version }, { deadline: Date.now() + timeoutMs }, done));
  }

  /** Closes the channel of a runner that left. */
  forget(name: string): void {
    this.clients.get(name)?.client.close();
    this.clients.delete(name);
  }

  close(): void {
    for (const { client } of this.clients.values()) client.close();
    this.clients.clear();
  }

  private client(runner: RunnerRecord): RunnerControlClient {
    const known = this.clients.get(runner.name);
    if (known?.address === runner.address) return known.client;
    known?.client.close();
    const client = new runnerProto.RunnerControl(runner.address, this.credentials, {
      ...clientChannelOptions(MAX_MESSAGE_BYTES),
      // A runner restarted on its port must be reachable again at once, not after a long backoff.
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 1_000,
    });
    this.clients.set(runner.name, { address: runner.address, client });
    return client;
  }
}
