/**
 * A test's client of one runner: RunnerControl (Status, LoadModel, UnloadModel) and
 * ModelReady, on a channel of its own that reconnects within 50 ms, so it notices a
 * restarted runner as soon as it listens.
 */
import * as grpc from '@grpc/grpc-js';
import {
  inferenceProto,
  runnerProto,
  type GRPCInferenceServiceClient,
  type ModelVersionStatus__Output,
  type RunnerControlClient,
  type StatusResponse__Output,
} from '@infermesh/proto';

/** A call's result, or its error's code and details. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; code: number; details: string };

/** What LoadModel takes; config_yaml defaults to empty. */
export interface LoadModelArgs {
  name: string;
  version: string;
  artifact_path: string;
  config_yaml?: string;
  /** With `artifact_size_bytes`: load from the runner's artifact cache, as the registry asks. */
  artifact_sha256?: string;
  artifact_size_bytes?: number;
}

const PROBE_OPTIONS: grpc.ChannelOptions = {
  'grpc.use_local_subchannel_pool': 1,
  'grpc.initial_reconnect_backoff_ms': 20,
  'grpc.max_reconnect_backoff_ms': 50,
  'grpc.max_receive_message_length': 16 * 1024 * 1024,
};

function outcome<T>(invoke: (done: (error: grpc.ServiceError | null, value?: T) => void) => void): Promise<Outcome<T>> {
  return new Promise((resolve) =>
    invoke((error, value) => resolve(error ? { ok: false, code: error.code, details: error.details } : { ok: true, value: value! })),
  );
}

export class RunnerProbe {
  private readonly control: RunnerControlClient;
  private readonly inference: GRPCInferenceServiceClient;

  constructor(readonly address: string) {
    this.control = new runnerProto.RunnerControl(address, grpc.credentials.createInsecure(), PROBE_OPTIONS);
    this.inference = new inferenceProto.GRPCInferenceService(address, grpc.credentials.createInsecure(), PROBE_OPTIONS);
  }

  /** Status; rejects when the runner does not answer within `timeoutMs`. */
  async status(timeoutMs = 5_000): Promise<StatusResponse__Output> {
    const result = await outcome<StatusResponse__Output>((done) => this.control.Status({}, { deadline: Date.now() + timeoutMs }, done));
    if (!result.ok) throw new Error(`Status of ${this.address}: ${result.details}`);
    return result.value;
  }

  /** The runner's status of one version, if it lists it. */
  async version(name: string, version: string): Promise<ModelVersionStatus__Output | undefined> {
    return (await this.status()).models.find((m) => m.name === name && m.version === version);
  }

  /** LoadModel; the loaded version's status, or the error. */
  async loadModel(args: LoadModelArgs, timeoutMs = 60_000): Promise<Outcome<ModelVersionStatus__Output>> {
    const result = await outcome<{ model: ModelVersionStatus__Output | null }>((done) =>
      this.control.LoadModel({ config_yaml: '', ...args }, { deadline: Date.now() + timeoutMs }, done),
    );
    return result.ok ? { ok: true, value: result.value.model! } : result;
  }

  /** UnloadModel. */
  unloadModel(name: string, version: string, timeoutMs = 60_000): Promise<Outcome<unknown>> {
    return outcome((done) => this.control.UnloadModel({ name, version }, { deadline: Date.now() + timeoutMs }, done));
  }

  /** ModelReady; false when the runner does not answer. */
  async modelReady(name: string, version = ''): Promise<boolean> {
    const result = await outcome<{ ready: boolean }>((done) =>
      this.inference.ModelReady({ name, version }, { deadline: Date.now() + 1_000 }, done),
    );
    return result.ok && result.value.ready;
  }

  close(): void {
    this.control.close();
    this.inference.close();
  }
}
