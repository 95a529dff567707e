/** One version of one model on this runner: its session, signature and state. */
import { ServiceError, type Logger } from '@infermesh/common';
import type { ModelInferRequest__Output, ModelInferResponse, ModelVersionStatus } from '@infermesh/proto';
import { status } from '@grpc/grpc-js';
import { buildResponse } from './build-response.js';
import { readModelConfig } from './model-config.js';
import type { ModelSource } from './model-repository.js';
import { prepareInputs, type InputLimits } from './prepare-inputs.js';
import { SessionLoadError, SessionWorker, type InstanceCounters } from './SessionWorker.js';
import { toSignature, type Signature, type TensorSpec } from './signature.js';

/** Lifecycle of a version on a runner. */
export type VersionState = 'LOADING' | 'READY' | 'FAILED' | 'UNLOADING';

/** What a version needs from its runner. */
export interface VersionContext {
  device: string;
  intraOpThreads: number;
  limits: InputLimits;
  logger: Logger;
}

export class ModelVersion {
  state: VersionState = 'LOADING';
  /** Why the version is not READY. */
  reason = '';
  signature: Signature = { inputs: [], outputs: [] };
  private session: SessionWorker | undefined;

  constructor(
    readonly source: ModelSource,
    private readonly context: VersionContext,
  ) {}

  get name(): string {
    return this.source.name;
  }

  get version(): string {
    return this.source.version;
  }

  /** Loads the session in a worker; on failure the version is FAILED with the reason, never thrown. */
  async load(): Promise<void> {
    const log = this.context.logger.child({ model: this.name, version: this.version });
    try {
      const config = await readModelConfig(this.source.configPath);
      const session = await SessionWorker.start({
        modelPath: this.source.modelPath,
        device: this.context.device,
        intraOpThreads: config.intra_op_threads ?? this.context.intraOpThreads,
        graphOptimizationLevel: config.graph_optimization_level,
      }, config.max_queue_size);
      try {
        this.signature = toSignature(session.inputs, session.outputs);
      } catch (error) {
        await session.close();
        throw error;
      }
      this.session = session;
      this.state = 'READY';
      log.info({ device: this.context.device }, 'model version ready');
    } catch (error) {
      this.state = 'FAILED';
      this.reason = (error as Error).message;
      const precondition = error instanceof SessionLoadError && error.precondition;
      log.error({ reason: this.reason, precondition }, 'model version failed to load');
    }
  }

  /** Runs one request; throws ServiceError for anything the caller got wrong. */
  async infer(request: ModelInferRequest__Output, signal?: AbortSignal): Promise<ModelInferResponse> {
    const session = this.session;
    if (this.state !== 'READY' || !session) throw this.notReady();
    const prepared = prepareInputs(this, request, this.context.limits);
    let result;
    try {
      result = await session.run(prepared.feeds, prepared.fetches, signal);
    } catch (error) {
      if (error instanceof ServiceError) throw error;
      this.context.logger.error(
        { model: this.name, version: this.version, requestId: request.id, err: error },
        'onnxruntime failed to run a request',
      );
      throw new ServiceError(
        status.INTERNAL,
        `model '${this.name}' version ${this.version}: onnxruntime could not run this request; see the runner log`,
      );
    }
    return buildResponse(this, request.id, prepared.fetches, result.outputs, prepared.rawResponse);
  }

  /** Run counters of the version's instance; zeros before it loads. */
  get counters(): InstanceCounters {
    return this.session?.counters ?? { executed: 0, dropped: 0, rejected: 0 };
  }

  /** Calls queued or running on the version's instance. */
  get inFlight(): number {
    return this.session?.inFlight ?? 0;
  }

  /** UNAVAILABLE for a version that exists but cannot serve. */
  notReady(): ServiceError {
    const why = this.state === 'FAILED' ? `failed to load: ${this.reason}` : `is ${this.state.toLowerCase()}`;
    return ServiceError.unavailable(`model '${this.name}' version ${this.version} ${why}`);
  }

  /** The version as RunnerControl.Status reports it. */
  status(): ModelVersionStatus {
    const tensor = (spec: TensorSpec) => ({ name: spec.name, datatype: spec.datatype, shape: spec.shape });
    return {
      name: this.name,
      version: this.version,
      state: this.state,
      reason: this.reason,
      inputs: this.signature.inputs.map(tensor),
      outputs: this.signature.outputs.map(tensor),
      platform: 'onnxruntime_onnx',
    };
  }

  async close(): Promise<void> {
    this.state = 'UNLOADING';
    await this.session?.close();
    this.session = undefined;
  }
}
