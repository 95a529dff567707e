/**
 * A model version's queue in front of its instances. Requests wait here (bounded), are
 * dropped if their caller cancels, their deadline or queue timeout passes, and, with dynamic
 * batching, are concatenated along the batch dimension into one execution.
 */
import { trace, type Attributes, type Context, type Span } from '@opentelemetry/api';
import { ServiceError, endSpan, startChildSpan } from '@infermesh/common';
import { collectBatch, removeBatch } from './batch-selection.js';
import { concatFeeds, splitOutputs } from './batch-tensors.js';
import type { WireTensor } from './session-protocol.js';
import type { SessionWorker } from './SessionWorker.js';
import type { VersionMetrics } from './VersionMetrics.js';
import type { VersionStatistics } from './VersionStatistics.js';

/** What one request brings to the queue. */
export interface BatchRequest {
  feeds: Record<string, WireTensor>;
  fetches: readonly string[];
  /** Rows along the batch dimension; requests of unbatched models count 1 and never join others. */
  batch: number;
  /** With dynamic batching, requests join one execution only when their keys match (same non-batch shapes and outputs). */
  key: string;
}

/** How the queue behaves; from the model config. */
export interface BatcherOptions {
  /** 0: never concatenate. */
  maxBatchSize: number;
  /** Present: dynamic batching. */
  dynamic?: { maxQueueDelayUs: number; preferredBatchSizes: readonly number[] };
  maxQueueSize: number;
  /**
   * Requests allowed to wait per priority level (index = level; 0, or absent: only
   * `maxQueueSize` bounds it). Present when the version has priority levels.
   */
  levelQueueSizes?: readonly number[];
  /** Attributes on every span the batcher makes (model, version, device). */
  spanAttributes?: Attributes;
  /** Where each execution's queue waits and phase times are recorded; executions are counted there only. */
  statistics: VersionStatistics;
  /** Where each successful execution's batch size, compute time and queue waits are observed. */
  metrics?: VersionMetrics;
}

/** What only the queue sees, for Status; executions and batch sizes are in VersionStatistics. */
export interface BatcherStats {
  /** Requests answered from an execution. */
  inferences: number;
  /** Requests that left the queue without running: cancelled, or past their deadline or queue timeout. */
  dropped: number;
  /** Requests refused because the queue was full. */
  rejected: number;
}

interface Job extends BatchRequest {
  /** Its priority level: lower runs first, 0 when the version has no levels. */
  level: number;
  enqueuedAt: number;
  /** The request's trace context, and its span for the time spent queued. */
  trace: { ctx: Context; queueSpan: Span } | undefined;
  signal: AbortSignal | undefined;
  onAbort: () => void;
  timer: NodeJS.Timeout | undefined;
  resolve(outputs: Record<string, WireTensor>): void;
  reject(error: Error): void;
}

/** Counters before anything ran. */
export function emptyBatcherStats(): BatcherStats {
  return { inferences: 0, dropped: 0, rejected: 0 };
}

export class Batcher {
  /** Waiting jobs, by level then arrival: the head runs next. */
  private readonly queue: Job[] = [];
  /** Jobs waiting per level. */
  private readonly waiting: number[];
  private running = 0;
  private delayTimer: NodeJS.Timeout | undefined;
  private idleWaiters: (() => void)[] = [];
  private closed = false;
  private readonly preferred: ReadonlySet<number>;
  /**
   * Executions in a worker at once. With dynamic batching one, so the next batch keeps
   * filling while an instance computes; otherwise two, so a worker never waits for a hop.
   */
  private readonly window: number;
  readonly stats: BatcherStats = emptyBatcherStats();

  constructor(
    private readonly instances: readonly SessionWorker[],
    private readonly options: BatcherOptions,
  ) {
    this.preferred = new Set(options.dynamic?.preferredBatchSizes ?? []);
    this.waiting = new Array<number>(Math.max(1, options.levelQueueSizes?.length ?? 0)).fill(0);
    this.window = options.dynamic ? 1 : 2;
  }

  /** Requests waiting for an instance. */
  get queued(): number {
    return this.queue.length;
  }

  /** Whether a request submitted now would wait: requests are queued, or every instance runs all it takes. */
  get saturated(): boolean {
    return this.queue.length > 0 || this.freeInstance() === undefined;
  }

  /** Requests queued or running. */
  get inFlight(): number {
    return this.queue.length + this.running;
  }

  /** Requests waiting at a priority level. */
  queuedAt(level: number): number {
    return this.waiting[level] ?? 0;
  }

  /**
   * Queues a request at priority `level` (ahead of every waiting request of a lower level)
   * and resolves with its own outputs. Rejects with RESOURCE_EXHAUSTED at once when the queue
   * or the level's share of it is full, with the signal's reason when it aborts while queued,
   * and with DEADLINE_EXCEEDED when `queueTimeoutUs` passes before it runs.
   */
  submit(
    request: BatchRequest,
    signal?: AbortSignal,
    queueTimeoutUs = 0,
    traceContext?: Context,
    level = 0,
  ): Promise<Record<string, WireTensor>> {
    if (this.closed) return Promise.reject(ServiceError.unavailable('model version is unloading'));
    if (signal?.aborted) {
      this.stats.dropped++;
      return Promise.reject(signal.reason as Error);
    }
    if (this.queue.length >= this.options.maxQueueSize) {
      this.stats.rejected++;
      return Promise.reject(
        ServiceError.resourceExhausted(`queue full: ${this.options.maxQueueSize} requests are already waiting`),
      );
    }
    const levelMax = this.options.levelQueueSizes?.[level] ?? 0;
    if (levelMax > 0 && this.queuedAt(level) >= levelMax) {
      this.stats.rejected++;
      return Promise.reject(
        ServiceError.resourceExhausted(`queue full at priority level ${level}: ${levelMax} requests of that level are already waiting`),
      );
    }
    return new Promise((resolve, reject) => {
      // Only what the queue needs: the prepared request's other fields stay with its caller.
      const job: Job = {
        feeds: request.feeds,
        fetches: request.fetches,
        batch: request.batch,
        key: request.key,
        level,
        enqueuedAt: performance.now(),
        trace: traceContext
          ? { ctx: traceContext, queueSpan: startChildSpan('queue', traceContext, this.options.spanAttributes) }
          : undefined,
        signal,
        timer: undefined,
        resolve,
        reject,
        onAbort: () => this.drop(job, signal!.reason as Error),
      };
      signal?.addEventListener('abort', job.onAbort, { once: true });
      if (queueTimeoutUs > 0) {
        job.timer = setTimeout(
          () =>
            this.drop(
              job,
              ServiceError.deadlineExceeded(`request waited longer than its queue timeout of ${queueTimeoutUs} µs`),
            ),
          queueTimeoutUs / 1000,
        );
      }
      this.enqueue(job);
      this.pump();
    });
  }

  /** Puts a job behind every job of its level or a higher one; without levels that is the end. */
  private enqueue(job: Job): void {
    let at = this.queue.length;
    while (at > 0 && this.queue[at - 1]!.level > job.level) at--;
    if (at === this.queue.length) this.queue.push(job);
    else this.queue.splice(at, 0, job);
    this.waiting[job.level] = this.queuedAt(job.level) + 1;
  }

  /** Resolves once nothing is queued or running. */
  idle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Refuses new requests; queued ones fail with UNAVAILABLE. */
  close(): void {
    this.closed = true;
    clearTimeout(this.delayTimer);
    this.waiting.fill(0);
    for (const job of this.queue.splice(0)) {
      const error = ServiceError.unavailable('model version is unloading');
      if (job.trace) endSpan(job.trace.queueSpan, error);
      this.settle(job).reject(error);
    }
    this.notifyIdle();
  }

  /** Stops accepting requests but lets queued and running ones finish. */
  stopAccepting(): void {
    this.closed = true;
  }

  private drop(job: Job, reason: Error): void {
    const index = this.queue.indexOf(job);
    if (index < 0) return;
    this.queue.splice(index, 1);
    this.waiting[job.level]!--;
    if (this.queue.length === 0) this.disarm();
    this.stats.dropped++;
    if (job.trace) endSpan(job.trace.queueSpan, reason);
    this.settle(job).reject(reason);
    this.notifyIdle();
  }

  /** Detaches a job's abort listener and timer before it leaves the queue. */
  private settle(job: Job): Job {
    job.signal?.removeEventListener('abort', job.onAbort);
    clearTimeout(job.timer);
    return job;
  }

  private freeInstance(): SessionWorker | undefined {
    let best: SessionWorker | undefined;
    for (const instance of this.instances) {
      if (instance.busy < this.window && (!best || instance.busy < best.busy)) best = instance;
    }
    return best;
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const instance = this.freeInstance();
      if (!instance) return;
      const dynamic = this.options.dynamic;
      const { jobs, rows } = collectBatch(this.queue, this.options.maxBatchSize, dynamic !== undefined);
      if (dynamic && rows < this.options.maxBatchSize && !this.preferred.has(rows)) {
        const waitedMs = performance.now() - jobs[0]!.enqueuedAt;
        const delayMs = dynamic.maxQueueDelayUs / 1000;
        if (waitedMs < delayMs) {
          // The delay runs out with the oldest job's, so an armed timer stays right across
          // submits; one armed for a job that left since fires early and just re-arms.
          this.delayTimer ??= setTimeout(() => {
            this.delayTimer = undefined;
            this.pump();
          }, delayMs - waitedMs);
          return;
        }
      }
      this.disarm();
      removeBatch(this.queue, jobs);
      for (const job of jobs) this.waiting[job.level]!--;
      void this.execute(instance, jobs, rows);
    }
    this.disarm();
  }

  private disarm(): void {
    clearTimeout(this.delayTimer);
    this.delayTimer = undefined;
  }

  private async execute(instance: SessionWorker, jobs: Job[], rows: number): Promise<void> {
    const dequeuedAt = performance.now();
    const size = Math.max(rows, 1);
    const single = jobs.length === 1;
    let waitedNs = 0;
    let traced = false;
    const batchSpans = jobs.map((job) => {
      this.settle(job);
      waitedNs += (dequeuedAt - job.enqueuedAt) * 1e6;
      if (!job.trace) return undefined;
      traced = true;
      job.trace.queueSpan.end();
      return startChildSpan('batch', job.trace.ctx, { ...this.options.spanAttributes, 'batch.size': size, 'batch.requests': jobs.length });
    });
    this.options.statistics.dequeued(jobs.length, waitedNs);
    this.running += jobs.length;
    try {
      // Input time: concatenating and posting the feeds to the worker, then its tensor creation.
      const gathering = performance.now();
      const feeds = single ? jobs[0]!.feeds : concatFeeds(jobs.map((job) => job.feeds), rows);
      const running = instance.run(feeds, jobs[0]!.fetches);
      const handOverNs = (performance.now() - gathering) * 1e6;
      const result = await running;
      this.options.metrics?.executed(size, result.computeNs);
      if (traced) this.traceCompute(jobs, batchSpans, result.computeNs);
      // A lone request gets the outputs as they are: nothing to split, nothing to time.
      let parts: Record<string, WireTensor>[] | undefined;
      let splitNs = 0;
      if (!single) {
        const splitting = performance.now();
        parts = splitOutputs(result.outputs, jobs.map((job) => job.batch));
        splitNs = (performance.now() - splitting) * 1e6;
      }
      this.options.statistics.executed(size, jobs.length, handOverNs + result.inputNs, result.computeNs, result.outputNs + splitNs);
      for (let i = 0; i < jobs.length; i++) {
        const job = jobs[i]!;
        this.options.metrics?.queued(dequeuedAt - job.enqueuedAt);
        job.resolve(parts ? parts[i]! : result.outputs);
      }
      this.stats.inferences += jobs.length;
      for (const span of batchSpans) span?.end();
    } catch (error) {
      for (const span of batchSpans) if (span) endSpan(span, error);
      for (const job of jobs) job.reject(error as Error);
    } finally {
      this.running -= jobs.length;
      this.pump();
      this.notifyIdle();
    }
  }

  /** A `compute` span under each request's batch span, timed by the worker's own clock. */
  private traceCompute(jobs: readonly Job[], batchSpans: readonly (Span | undefined)[], computeNs: number): void {
    const end = Date.now();
    const start = end - computeNs / 1e6;
    jobs.forEach((job, i) => {
      const batchSpan = batchSpans[i];
      if (!job.trace || !batchSpan) return;
      startChildSpan('compute', trace.setSpan(job.trace.ctx, batchSpan), this.options.spanAttributes, start).end(end);
    });
  }

  private notifyIdle(): void {
    if (this.inFlight > 0) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
