/** One version of one model on this runner: its instances, queue, signature and state. */
import { status } from '@grpc/grpc-js';
import type { Context } from '@opentelemetry/api';
import { ServiceError, type Logger } from '@infermesh/common';
import type { ModelInferRequest__Output, ModelInferResponse, ModelVersionStatus } from '@infermesh/proto';
import { Batcher, emptyBatcherStats, type BatcherStats } from './Batcher.js';
import { buildResponse } from './build-response.js';
import { readModelConfig, type ModelConfig } from './model-config.js';
import type { ModelSource } from './model-repository.js';
import { prepareInputs, type InputLimits } from './prepare-inputs.js';
import { SessionLoadError, SessionWorker } from './SessionWorker.js';
import { formatShape, toSignature, type Signature, type TensorSpec } from './signature.js';
import type { RunnerMetrics } from './runner-metrics.js';
import { VersionStatistics } from './VersionStatistics.js';
import { warmupFeeds } from './warmup.js';

/** Lifecycle of a version on a runner. */
export type VersionState = 'LOADING' | 'READY' | 'FAILED' | 'UNLOADING';

/** What a version needs from its runner. */
export interface VersionContext {
  device: string;
  intraOpThreads: number;
  limits: InputLimits;
  logger: Logger;
  /** Where executions are recorded; absent in tests that do not need metrics. */
  metrics?: RunnerMetrics;
}

const EMPTY_STATS: BatcherStats = emptyBatcherStats();

/** Why a batched model's signature cannot be batched, or undefined when it can. */
function unbatchable(signature: Signature, maxBatchSize: number): string | undefined {
  for (const [kind, specs] of [['input', signature.inputs], ['output', signature.outputs]] as const) {
    const bad = specs.find((spec) => spec.shape.length === 0 || spec.shape[0] !== -1);
    if (bad) {
      return `max_batch_size ${maxBatchSize} needs a variable first dimension on every input and output; ${kind} '${bad.name}' has shape ${formatShape(bad.shape)}`;
    }
  }
  return undefined;
}

export class ModelVersion {
  state: VersionState = 'LOADING';
  /** Why the version is not READY. */
  reason = '';
  signature: Signature = { inputs: [], outputs: [] };
  config: ModelConfig | undefined;
  /** Where the instances run. */
  device: string;
  /** Resident memory the process grew by while loading (an estimate). */
  memoryBytes = 0;
  /** Triton's per-version statistics; they count from the moment the version is READY. */
  readonly statistics = new VersionStatistics();
  private instances: SessionWorker[] = [];
  private batcher: Batcher | undefined;

  constructor(
    readonly source: ModelSource,
    private readonly context: VersionContext,
  ) {
    this.device = context.device;
  }

  get name(): string {
    return this.source.name;
  }

  get version(): string {
    return this.source.version;
  }

  /** Batch limit the requests are checked against (0: not batched). */
  get maxBatchSize(): number {
    return this.config?.max_batch_size ?? 0;
  }

  /** Loads the instances, warms them up; on failure the version is FAILED with the reason, never thrown. */
  async load(): Promise<void> {
    const log = this.context.logger.child({ model: this.name, version: this.version });
    const rssBefore = process.memoryUsage().rss;
    try {
      const config = await readModelConfig(this.source.configPath);
      this.config = config;
      this.instances = await this.startInstances(config, log);
      this.signature = toSignature(this.instances[0]!.inputs, this.instances[0]!.outputs);
      const batching = config.max_batch_size > 0 ? unbatchable(this.signature, config.max_batch_size) : undefined;
      if (batching) throw new Error(batching);
      await this.warmUp(config);
      const labels = { model: this.name, version: this.version };
      const metrics = this.context.metrics;
      this.batcher = new Batcher(this.instances, {
        maxBatchSize: config.max_batch_size,
        maxQueueSize: config.max_queue_size,
        statistics: this.statistics,
        spanAttributes: { 'model.name': this.name, 'model.version': this.version, device: this.device },
        ...(metrics
          ? {
              onExecuted: ({ rows, computeNs, queueWaitsMs }) => {
                metrics.batchSize.observe(labels, rows);
                metrics.computeSeconds.observe(labels, computeNs / 1e9);
                for (const wait of queueWaitsMs) metrics.queueSeconds.observe(labels, wait / 1000);
              },
            }
          : {}),
        ...(config.dynamic_batching
          ? {
              dynamic: {
                maxQueueDelayUs: config.dynamic_batching.max_queue_delay_us,
                preferredBatchSizes: config.dynamic_batching.preferred_batch_sizes,
              },
            }
          : {}),
      });
      this.memoryBytes = Math.max(0, process.memoryUsage().rss - rssBefore);
      this.state = 'READY';
      log.info({ device: this.device, instances: this.instances.length, maxBatchSize: config.max_batch_size }, 'model version ready');
    } catch (error) {
      await Promise.all(this.instances.map((instance) => instance.close()));
      this.instances = [];
      this.state = 'FAILED';
      this.reason = (error as Error).message;
      const precondition = error instanceof SessionLoadError && error.precondition;
      log.error({ reason: this.reason, precondition }, 'model version failed to load');
    }
  }

  /** Starts every instance on the runner's device, or on the CPU when the config allows a fallback. */
  private async startInstances(config: ModelConfig, log: Logger): Promise<SessionWorker[]> {
    const start = (device: string) =>
      Promise.all(
        Array.from({ length: config.instances }, () =>
          SessionWorker.start({
            modelPath: this.source.modelPath,
            device,
            intraOpThreads: config.intra_op_threads ?? this.context.intraOpThreads,
            graphOptimizationLevel: config.graph_optimization_level,
          }),
        ),
      );
    try {
      return await start(this.device);
    } catch (error) {
      const fallback = error instanceof SessionLoadError && error.precondition && config.allow_cpu_fallback && this.device !== 'cpu';
      if (!fallback) throw error;
      log.warn({ device: this.device, reason: error.message }, 'device unavailable; allow_cpu_fallback is set, loading on cpu');
      this.device = 'cpu';
      return start('cpu');
    }
  }

  private async warmUp(config: ModelConfig): Promise<void> {
    if (!config.warmup) return;
    const { count, batch_size, data } = config.warmup;
    for (const instance of this.instances) {
      for (let i = 0; i < count; i++) {
        const feeds = warmupFeeds(this.signature, config.max_batch_size > 0, batch_size, data === 'random');
        await instance.run(feeds, this.signature.outputs.map((s) => s.name)).catch((error: Error) => {
          throw new Error(`warm-up run failed: ${error.message}`);
        });
      }
    }
  }

  /**
   * Runs one request; throws ServiceError for anything the caller got wrong. Once the version
   * is READY every request counts in {@link statistics}, as a success or a failure.
   */
  async infer(request: ModelInferRequest__Output, signal?: AbortSignal, traceContext?: Context): Promise<ModelInferResponse> {
    const batcher = this.batcher;
    if (this.state !== 'READY' || !batcher) throw this.notReady();
    const started = performance.now();
    try {
      const prepared = prepareInputs(this, request, this.context.limits);
      const queueTimeoutUs = prepared.queueTimeoutUs ?? this.config?.default_queue_timeout_us ?? 0;
      let outputs;
      try {
        outputs = await batcher.submit(prepared, signal, queueTimeoutUs, traceContext);
      } catch (error) {
        throw this.runFailure(error, request.id);
      }
      const building = performance.now();
      const response = buildResponse(this, request.id, prepared.fetches, outputs, prepared.rawResponse);
      this.statistics.succeeded(prepared.batch, started, building);
      return response;
    } catch (error) {
      this.statistics.failed(started);
      throw error;
    }
  }

  /** What the caller of a failed run gets: its ServiceError, or INTERNAL for onnxruntime's own failure (logged). */
  private runFailure(error: unknown, requestId: string): ServiceError {
    if (error instanceof ServiceError) return error;
    this.context.logger.error({ model: this.name, version: this.version, requestId, err: error }, 'onnxruntime failed to run a request');
    return new ServiceError(
      status.INTERNAL,
      `model '${this.name}' version ${this.version}: onnxruntime could not run this request; see the runner log`,
    );
  }

  /** Whether the version ever became READY (an UNLOADING one may have); only then has it statistics. */
  get everReady(): boolean {
    return this.batcher !== undefined;
  }

  /** Counters of the version's queue and executions. */
  get stats(): BatcherStats {
    return this.batcher?.stats ?? EMPTY_STATS;
  }

  /** Requests waiting for an instance. */
  get queueDepth(): number {
    return this.batcher?.queued ?? 0;
  }

  /** Requests queued or running. */
  get inFlight(): number {
    return this.batcher?.inFlight ?? 0;
  }

  /** UNAVAILABLE for a version that exists but cannot serve. */
  notReady(): ServiceError {
    const why = this.state === 'FAILED' ? `failed to load: ${this.reason}` : `is ${this.state.toLowerCase()}`;
    return ServiceError.unavailable(`model '${this.name}' version ${this.version} ${why}`);
  }

  /** The version as RunnerControl.Status reports it. */
  status(): ModelVersionStatus {
    const tensor = (spec: TensorSpec) => ({ name: spec.name, datatype: spec.datatype, shape: spec.shape });
    const stats = this.stats;
    return {
      name: this.name,
      version: this.version,
      state: this.state,
      reason: this.reason,
      inputs: this.signature.inputs.map(tensor),
      outputs: this.signature.outputs.map(tensor),
      platform: 'onnxruntime_onnx',
      queue_depth: this.batcher?.queued ?? 0,
      in_flight: this.inFlight,
      memory_bytes: this.memoryBytes,
      executions: stats.executions,
      inferences: stats.inferences,
      dropped: stats.dropped,
      rejected: stats.rejected,
      batch_sizes: [...stats.batchSizes].sort(([a], [b]) => a - b).map(([batch_size, executions]) => ({ batch_size, executions })),
      instances: this.instances.length,
      max_batch_size: this.maxBatchSize,
      artifact_path: this.source.modelPath,
      device: this.device,
    };
  }

  /**
   * Refuses new calls (UNAVAILABLE, so a gateway retries elsewhere), lets every call already
   * accepted finish, then frees the instances.
   */
  async unload(): Promise<void> {
    this.state = 'UNLOADING';
    this.batcher?.stopAccepting();
    await this.batcher?.idle();
    await this.close();
  }

  /** Frees the instances at once; queued calls fail with UNAVAILABLE. */
  async close(): Promise<void> {
    this.state = 'UNLOADING';
    this.batcher?.close();
    await Promise.all(this.instances.map((instance) => instance.close()));
    this.instances = [];
  }
}
