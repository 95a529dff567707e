/** One version of one model on this runner: its instances, queue, signature and state. */
import { context as otelContext, type Context } from '@opentelemetry/api';
import { ServiceError, type Logger, type ModelConfig, type ModelSource } from '@infermesh/common';
import type { ModelInferRequest__Output, ModelInferResponse, ModelVersionStatus } from '@infermesh/proto';
import { Batcher, emptyBatcherStats, type BatcherStats } from './Batcher.js';
import { buildResponse } from './build-response.js';
import { readModelConfig } from './model-config.js';
import { prepareInputs, type InputLimits, type PreparedModel, type PreparedRun } from './prepare-inputs.js';
import type { ResponseCacheBudget, VersionResponseCache } from './ResponseCache.js';
import { responseCacheKey } from './response-cache-key.js';
import { priorityLevel } from './scheduling-parameters.js';
import { callerSignature, sequenceCall, sequenceConfigProblem, SequenceSlots } from './SequenceSlots.js';
import type { WireTensor } from './session-protocol.js';
import { SessionLoadError, SessionWorker } from './SessionWorker.js';
import { tensorMetadata, toSignature, unbatchable, type Signature } from './signature.js';
import type { RunnerMetrics } from './runner-metrics.js';
import { VersionMetrics } from './VersionMetrics.js';
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
  /** The runner's budget for cached answers; absent: no version caches. */
  responseCaches?: ResponseCacheBudget;
}

const EMPTY_STATS: BatcherStats = emptyBatcherStats();

/** One request on its way through a version: what each step of it reads. */
interface VersionCall {
  batcher: Batcher;
  request: ModelInferRequest__Output;
  /** `performance.now()` when it entered the version. */
  started: number;
  signal: AbortSignal | undefined;
  /** Its trace context; with `sampled`, the queue, batch and compute spans hang below it. */
  ctx: Context | undefined;
  sampled: boolean;
}

/** `priority_queue_policy` as the Batcher takes it: index = level, 0 = no limit of its own. */
function levelQueueSizes(config: ModelConfig): number[] {
  const sizes = new Array<number>(config.priority_levels + 1).fill(0);
  for (const [level, policy] of Object.entries(config.priority_queue_policy)) sizes[Number(level)] = policy.max_queue_size;
  return sizes;
}

export class ModelVersion {
  state: VersionState = 'LOADING';
  /** Why the version is not READY. */
  reason = '';
  signature: Signature = { inputs: [], outputs: [] };
  /** The signature's output names: what a request that names no outputs gets, shared by all such requests. */
  outputNames: readonly string[] = [];
  config: ModelConfig | undefined;
  /** Where the instances run. */
  device: string;
  /** Resident memory the process grew by while loading (an estimate). */
  memoryBytes = 0;
  /** Triton's per-version statistics; they count from the moment the version is READY. */
  readonly statistics = new VersionStatistics();
  /** The version's Prometheus series, bound at load; absent without runner metrics. */
  metrics: VersionMetrics | undefined;
  private instances: SessionWorker[] = [];
  private batcher: Batcher | undefined;
  /** A stateful model's sequence slots (config sequence_batching). */
  private sequences: SequenceSlots | undefined;
  /** Cached answers, when the config asks for them (never for a sequence model). */
  responseCache: VersionResponseCache | undefined;
  /** What requests are checked against: the signature less what the runner feeds itself (control inputs, state). */
  private callerModel: PreparedModel = this;

  constructor(
    /** With `artifactSha256` when LoadModel named the artifact by hash (it is in the artifact cache). */
    readonly source: ModelSource & { artifactSha256?: string },
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

  /** Whether queued requests may join one execution; only then do requests need a batching key. */
  get dynamicBatching(): boolean {
    return this.config?.dynamic_batching !== undefined;
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
      this.outputNames = this.signature.outputs.map((spec) => spec.name);
      const batching = config.max_batch_size > 0 ? unbatchable(this.signature, config.max_batch_size) : undefined;
      if (batching) throw new Error(batching);
      if (config.sequence_batching) this.startSequences(config.sequence_batching);
      await this.warmUp(config);
      this.openResponseCache(config, log);
      const metrics = this.context.metrics;
      this.metrics = metrics && new VersionMetrics(metrics, { model: this.name, version: this.version });
      this.batcher = new Batcher(this.instances, {
        maxBatchSize: config.max_batch_size,
        maxQueueSize: config.max_queue_size,
        ...(config.priority_levels > 0 ? { levelQueueSizes: levelQueueSizes(config) } : {}),
        statistics: this.statistics,
        spanAttributes: { 'model.name': this.name, 'model.version': this.version, device: this.device },
        ...(this.metrics ? { metrics: this.metrics } : {}),
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

  /** A stateful model's answer depends on its sequence's state, not only on the request: it is never cached. */
  private openResponseCache(config: ModelConfig, log: Logger): void {
    if (!config.response_cache) return;
    if (config.sequence_batching) {
      log.warn('response_cache is ignored for a sequence model: its answers depend on the sequence state');
      return;
    }
    this.responseCache = this.context.responseCaches?.open(config.response_cache.max_bytes);
  }

  /** Checks the sequence config against the signature and sets up the slots; the caller's signature hides what the runner feeds. */
  private startSequences(sequence: NonNullable<ModelConfig['sequence_batching']>): void {
    const problem = sequenceConfigProblem(this.signature, sequence);
    if (problem) throw new Error(problem);
    const signature = callerSignature(this.signature, sequence);
    this.sequences = new SequenceSlots(sequence, this.signature, `model '${this.name}' version ${this.version}`);
    this.callerModel = {
      name: this.name,
      version: this.version,
      signature,
      outputNames: signature.outputs.map((spec) => spec.name),
      maxBatchSize: this.maxBatchSize,
      dynamicBatching: false,
    };
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
        await instance.run(feeds, this.outputNames).catch((error: Error) => {
          throw new Error(`warm-up run failed: ${error.message}`);
        });
      }
    }
  }

  /**
   * Runs one request; throws ServiceError for anything the caller got wrong. Once the version
   * is READY every request counts in {@link statistics}, as a success or a failure.
   * `ctx` is the request's trace context: an onnxruntime failure is logged with its ids, and
   * when `sampled` the queue, batch and compute spans hang below it (they cost per request).
   */
  async infer(request: ModelInferRequest__Output, signal?: AbortSignal, ctx?: Context, sampled = false): Promise<ModelInferResponse> {
    const batcher = this.batcher;
    if (this.state !== 'READY' || !batcher) throw this.notReady();
    const call: VersionCall = { batcher, request, started: performance.now(), signal, ctx, sampled };
    try {
      if (this.sequences) {
        const sequences = this.sequences;
        return await sequences.call(sequenceCall(request, `model '${this.name}' version ${this.version}`), (feeds, stateOutputs) =>
          this.run(call, this.prepare(request), feeds, stateOutputs),
        );
      }
      const prepared = this.prepare(request);
      const cache = this.responseCache;
      if (!cache) return (await this.run(call, prepared)).result;
      return await this.runCached(cache, call, prepared);
    } catch (error) {
      this.statistics.failed(call.started);
      throw error;
    }
  }

  private prepare(request: ModelInferRequest__Output): PreparedRun {
    return prepareInputs(this.callerModel, request, this.context.limits);
  }

  /**
   * Answers from the cache when it holds the request's answer (the same output bytes), else
   * runs it and keeps the answer; failures are never kept.
   */
  private async runCached(cache: VersionResponseCache, call: VersionCall, prepared: PreparedRun): Promise<ModelInferResponse> {
    const lookup = performance.now();
    const key = responseCacheKey(this.callerSignature, prepared, call.request);
    const cached = cache.get(key);
    if (cached) {
      this.statistics.answeredFromCache(prepared.batch, call.started, (performance.now() - lookup) * 1e6);
      return { ...cached, id: call.request.id };
    }
    const lookupMs = performance.now() - lookup;
    const { result } = await this.run(call, prepared);
    const keeping = performance.now();
    cache.put(key, { ...result, id: '' });
    this.statistics.missedCache((lookupMs + performance.now() - keeping) * 1e6);
    return result;
  }

  /**
   * Runs one checked request; a sequence's call adds the runner's own feeds (control
   * inputs, state) and fetches its state outputs too, which the response leaves out.
   */
  private async run(
    call: VersionCall,
    prepared: PreparedRun,
    extraFeeds?: Record<string, WireTensor>,
    extraFetches: readonly string[] = [],
  ): Promise<{ outputs: Record<string, WireTensor>; result: ModelInferResponse }> {
    const { request, ctx } = call;
    const queueTimeoutUs = prepared.queueTimeoutUs ?? this.config?.default_queue_timeout_us ?? 0;
    const run = extraFeeds
      ? { ...prepared, feeds: { ...prepared.feeds, ...extraFeeds }, fetches: [...prepared.fetches, ...extraFetches.filter((name) => !prepared.fetches.includes(name))] }
      : prepared;
    let outputs;
    try {
      const level = this.config ? priorityLevel(this.config, prepared.priority) : 0;
      outputs = await call.batcher.submit(run, call.signal, queueTimeoutUs, call.sampled ? ctx : undefined, level);
    } catch (error) {
      throw this.runFailure(error, request.id, ctx);
    }
    const building = performance.now();
    const response = buildResponse(this, request.id, prepared.fetches, outputs);
    this.statistics.succeeded(prepared.batch, call.started, building);
    return { outputs, result: response };
  }

  /** What the caller of a failed run gets: its ServiceError, or INTERNAL for onnxruntime's own failure (logged). */
  private runFailure(error: unknown, requestId: string, ctx: Context | undefined): ServiceError {
    if (error instanceof ServiceError) return error;
    // The logger reads trace ids from the active context; only this line needs the request's.
    const log = () => this.context.logger.error({ model: this.name, version: this.version, requestId, err: error }, 'onnxruntime failed to run a request');
    if (ctx) otelContext.with(ctx, log);
    else log();
    return ServiceError.internal(`model '${this.name}' version ${this.version}: onnxruntime could not run this request; see the runner log`);
  }

  /** The inputs a caller sends and the outputs it gets: a sequence model's control and state tensors are the runner's. */
  get callerSignature(): Signature {
    return this.callerModel.signature;
  }

  /** Whether the version ever became READY (an UNLOADING one may have); only then has it statistics. */
  get everReady(): boolean {
    return this.batcher !== undefined;
  }

  /** Counters of the version's queue and executions (an object per read: for Status and tests, not the request path). */
  get stats(): BatcherStats & { executions: number } {
    return { ...(this.batcher?.stats ?? EMPTY_STATS), executions: this.statistics.executions };
  }

  /** Requests waiting for an instance. */
  get queueDepth(): number {
    return this.batcher?.queued ?? 0;
  }

  /** Requests queued or running. */
  get inFlight(): number {
    return this.batcher?.inFlight ?? 0;
  }

  /** Whether a call for this version would wait now: its queue holds calls, or every instance is taken. */
  get saturated(): boolean {
    return this.batcher?.saturated ?? false;
  }

  /** UNAVAILABLE for a version that exists but cannot serve. */
  notReady(): ServiceError {
    const why = this.state === 'FAILED' ? `failed to load: ${this.reason}` : `is ${this.state.toLowerCase()}`;
    return ServiceError.unavailable(`model '${this.name}' version ${this.version} ${why}`);
  }

  /** The version as RunnerControl.Status reports it. */
  status(): ModelVersionStatus {
    const stats = this.batcher?.stats ?? EMPTY_STATS;
    return {
      name: this.name,
      version: this.version,
      state: this.state,
      reason: this.reason,
      inputs: this.callerSignature.inputs.map(tensorMetadata),
      outputs: this.callerSignature.outputs.map(tensorMetadata),
      platform: 'onnxruntime_onnx',
      queue_depth: this.batcher?.queued ?? 0,
      in_flight: this.inFlight,
      memory_bytes: this.memoryBytes,
      executions: this.statistics.executions,
      inferences: stats.inferences,
      dropped: stats.dropped,
      rejected: stats.rejected,
      batch_sizes: this.statistics.executionsPerBatchSize(),
      instances: this.instances.length,
      max_batch_size: this.maxBatchSize,
      // The artifact the version was loaded from: a supervisor restores the runner's models from it.
      artifact_path: this.source.modelPath,
      device: this.device,
      artifact_sha256: this.source.artifactSha256 ?? '',
      ...(this.responseCache ? { response_cache: { ...this.responseCache.stats, max_bytes: this.responseCache.maxBytes } } : {}),
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
    this.sequences?.clear();
    this.responseCache?.close();
    this.batcher?.close();
    await Promise.all(this.instances.map((instance) => instance.close()));
    this.instances = [];
  }
}
