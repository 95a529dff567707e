/**
 * One model version's counters for Triton's ModelStatistics extension, as this runner alone
 * saw them. Plain numbers bumped on the request path; the message is built only when asked.
 */
import { cudaDeviceId } from '@infermesh/common';
import type { InferBatchStatistics, ModelStatistics, StatisticDuration } from '@infermesh/proto';

/** How often something happened and the nanoseconds it took in all. */
class Duration {
  count = 0;
  ns = 0;

  /** uint64 fields travel as decimal strings; sums of fractional nanoseconds are rounded here. */
  toMessage(): StatisticDuration {
    return { count: String(this.count), ns: String(Math.round(this.ns)) };
  }
}

/** Executions of one batch size: each phase's count is the executions, its time theirs. */
interface BatchDurations {
  executions: number;
  inputNs: number;
  inferNs: number;
  outputNs: number;
}

/** The version a snapshot describes. */
export interface StatisticsSubject {
  name: string;
  version: string;
  /** `cpu` or `cuda:N`: where the instances actually run. */
  device: string;
  memoryBytes: number;
}

export class VersionStatistics {
  /** Milliseconds since the epoch when the last request finished, successfully or not. */
  private lastInferenceMs = 0;
  /** Rows answered: a batched request counts its batch size, an unbatched one 1. */
  private inferenceCount = 0;
  private executionCount = 0;
  private readonly success = new Duration();
  private readonly fail = new Duration();
  private readonly queue = new Duration();
  private readonly computeInput = new Duration();
  private readonly computeInfer = new Duration();
  private readonly computeOutput = new Duration();
  private readonly cacheHit = new Duration();
  private readonly cacheMiss = new Duration();
  /** batch size → its executions */
  private readonly batches = new Map<number, BatchDurations>();

  /** Executions since the version became READY. */
  get executions(): number {
    return this.executionCount;
  }

  /** Executions per batch size, smallest first, as RunnerControl.Status reports them. */
  executionsPerBatchSize(): { batch_size: number; executions: number }[] {
    return [...this.batches].sort(([a], [b]) => a - b).map(([batch_size, { executions }]) => ({ batch_size, executions }));
  }

  /** `requests` left the queue for an execution, having waited `waitedNs` between them. */
  dequeued(requests: number, waitedNs: number): void {
    this.queue.count += requests;
    this.queue.ns += waitedNs;
  }

  /**
   * One execution of `size` rows answered `requests` requests. As in Triton, every request
   * of the batch is charged the batch's whole input, infer and output time.
   */
  executed(size: number, requests: number, inputNs: number, inferNs: number, outputNs: number): void {
    this.executionCount++;
    this.computeInput.count += requests;
    this.computeInput.ns += inputNs * requests;
    this.computeInfer.count += requests;
    this.computeInfer.ns += inferNs * requests;
    this.computeOutput.count += requests;
    this.computeOutput.ns += outputNs * requests;
    let batch = this.batches.get(size);
    if (!batch) {
      batch = { executions: 0, inputNs: 0, inferNs: 0, outputNs: 0 };
      this.batches.set(size, batch);
    }
    batch.executions++;
    batch.inputNs += inputNs;
    batch.inferNs += inferNs;
    batch.outputNs += outputNs;
  }

  /**
   * A request of `rows` rows was answered: it entered the version at `startedMs` and its
   * response took from `buildingMs` to now to build (`performance.now()` times). Building is
   * per request, so it counts in compute_output but in no batch's entry.
   */
  succeeded(rows: number, startedMs: number, buildingMs: number): void {
    const now = performance.now();
    this.success.count++;
    this.success.ns += (now - startedMs) * 1e6;
    this.computeOutput.ns += (now - buildingMs) * 1e6;
    this.inferenceCount += rows;
    this.lastInferenceMs = Date.now();
  }

  /**
   * A request of `rows` rows was answered from the response cache: as in Triton it counts as
   * a success and a cache hit (the look-up's time), in no execution and no compute time.
   */
  answeredFromCache(rows: number, startedMs: number, lookupNs: number): void {
    this.success.count++;
    this.success.ns += (performance.now() - startedMs) * 1e6;
    this.cacheHit.count++;
    this.cacheHit.ns += lookupNs;
    this.inferenceCount += rows;
    this.lastInferenceMs = Date.now();
  }

  /** A look-up found nothing; `ns` is its time and that of keeping the answer. */
  missedCache(ns: number): void {
    this.cacheMiss.count++;
    this.cacheMiss.ns += ns;
  }

  /** A request that entered the version at `startedMs` (`performance.now()`) failed. */
  failed(startedMs: number): void {
    this.fail.count++;
    this.fail.ns += (performance.now() - startedMs) * 1e6;
    this.lastInferenceMs = Date.now();
  }

  /** The counters as Triton's ModelStatistics message. */
  toMessage(subject: StatisticsSubject): ModelStatistics {
    const gpu = cudaDeviceId(subject.device);
    return {
      name: subject.name,
      version: subject.version,
      last_inference: String(this.lastInferenceMs),
      inference_count: String(this.inferenceCount),
      execution_count: String(this.executionCount),
      inference_stats: {
        success: this.success.toMessage(),
        fail: this.fail.toMessage(),
        queue: this.queue.toMessage(),
        compute_input: this.computeInput.toMessage(),
        compute_infer: this.computeInfer.toMessage(),
        compute_output: this.computeOutput.toMessage(),
        cache_hit: this.cacheHit.toMessage(),
        cache_miss: this.cacheMiss.toMessage(),
      },
      batch_stats: [...this.batches].sort(([a], [b]) => a - b).map(([size, batch]) => batchStatistics(size, batch)),
      memory_usage: [
        { type: gpu === undefined ? 'CPU' : 'GPU', id: String(gpu ?? 0), byte_size: String(subject.memoryBytes) },
      ],
    };
  }
}

function batchStatistics(size: number, batch: BatchDurations): InferBatchStatistics {
  const duration = (ns: number): StatisticDuration => ({ count: String(batch.executions), ns: String(Math.round(ns)) });
  return {
    batch_size: String(size),
    compute_input: duration(batch.inputNs),
    compute_infer: duration(batch.inferNs),
    compute_output: duration(batch.outputNs),
  };
}
