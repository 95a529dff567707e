/** The gRPC thread's handle on one model instance: a worker thread holding an ORT session. */
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { status } from '@grpc/grpc-js';
import { ServiceError } from '@infermesh/common';
import type { RunRequest, ValueInfo, WireTensor, WorkerInit, WorkerReply } from './session-protocol.js';

/**
 * The compiled worker script. Under vitest this module runs from src/*.ts, and worker
 * threads cannot load TypeScript, so it points at the build output (tests run after build).
 */
const WORKER_SCRIPT = fileURLToPath(
  import.meta.url.endsWith('.ts')
    ? new URL('../dist/session-worker.js', import.meta.url)
    : new URL('./session-worker.js', import.meta.url),
);

/** Outputs of one run and the time ORT spent computing them. */
export interface RunResult {
  outputs: Record<string, WireTensor>;
  computeNs: number;
}

/** Why a session could not be created. */
export class SessionLoadError extends Error {
  override readonly name = 'SessionLoadError';
  constructor(
    message: string,
    /** True when the machine, not the model, is at fault (e.g. no CUDA provider). */
    readonly precondition: boolean,
  ) {
    super(message);
  }
}

/**
 * Runs inside the worker at once. Two, so the worker starts the next run without waiting
 * for a thread hop; everything else waits on this thread, where a cancelled call can
 * still be dropped before it runs.
 */
const WORKER_WINDOW = 2;

interface Job {
  feeds: Record<string, WireTensor>;
  fetches: string[];
  signal: AbortSignal | undefined;
  onAbort: () => void;
  resolve(result: RunResult): void;
  reject(error: Error): void;
}

/** Counters of one instance, for Status and tests. */
export interface InstanceCounters {
  /** Runs the worker executed (successfully or not). */
  executed: number;
  /** Calls cancelled or expired while queued, dropped before running. */
  dropped: number;
  /** Calls refused because the queue was full. */
  rejected: number;
}

/** A started worker whose session is loaded and ready to run. */
export class SessionWorker {
  private nextId = 1;
  /** Jobs sent to the worker, by id. */
  private readonly dispatched = new Map<number, Job>();
  /** Jobs waiting on this thread, oldest first. */
  private readonly queue: Job[] = [];
  private stopped: Error | undefined;
  readonly counters: InstanceCounters = { executed: 0, dropped: 0, rejected: 0 };

  private constructor(
    private readonly worker: Worker,
    /** Jobs allowed to wait on this thread before new ones get RESOURCE_EXHAUSTED. */
    private readonly maxQueueSize: number,
    /** The session's inputs as onnxruntime reports them. */
    readonly inputs: ValueInfo[],
    /** The session's outputs as onnxruntime reports them. */
    readonly outputs: ValueInfo[],
  ) {
    worker.on('message', (reply: WorkerReply) => this.onReply(reply));
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => this.fail(new Error(`worker exited with code ${code}`)));
  }

  /** Starts a worker and loads the model; rejects with SessionLoadError if it cannot. */
  static start(init: WorkerInit, maxQueueSize: number): Promise<SessionWorker> {
    const worker = new Worker(WORKER_SCRIPT, { workerData: init });
    return new Promise((resolve, reject) => {
      const onError = (error: Error) => {
        cleanup();
        reject(new SessionLoadError(error.message, false));
      };
      const onExit = (code: number) => {
        cleanup();
        reject(new SessionLoadError(`worker exited with code ${code} while loading`, false));
      };
      const onMessage = (reply: WorkerReply) => {
        cleanup();
        if (reply.kind === 'ready') {
          resolve(new SessionWorker(worker, maxQueueSize, reply.inputs, reply.outputs));
        } else {
          void worker.terminate();
          reject(new SessionLoadError(reply.kind === 'load-failed' ? reply.message : 'unexpected reply while loading', reply.kind === 'load-failed' && reply.precondition));
        }
      };
      const cleanup = () => {
        worker.off('error', onError).off('exit', onExit).off('message', onMessage);
      };
      worker.on('error', onError).on('exit', onExit).on('message', onMessage);
    });
  }

  /**
   * Queues a run; the feeds' buffers are transferred to the worker and unusable after.
   * If `signal` aborts while the run is still queued, it is dropped and rejects with the
   * signal's reason; once in the worker it completes (onnxruntime cannot stop a run).
   */
  run(feeds: Record<string, WireTensor>, fetches: string[], signal?: AbortSignal): Promise<RunResult> {
    if (this.stopped) return Promise.reject(ServiceError.unavailable('model instance has stopped'));
    if (signal?.aborted) {
      this.counters.dropped++;
      return Promise.reject(signal.reason as Error);
    }
    if (this.queue.length >= this.maxQueueSize && this.dispatched.size >= WORKER_WINDOW) {
      this.counters.rejected++;
      return Promise.reject(
        new ServiceError(status.RESOURCE_EXHAUSTED, `queue full: ${this.maxQueueSize} requests are already waiting`),
      );
    }
    return new Promise<RunResult>((resolve, reject) => {
      const job: Job = { feeds, fetches, signal, resolve, reject, onAbort: () => this.drop(job) };
      signal?.addEventListener('abort', job.onAbort, { once: true });
      this.queue.push(job);
      this.pump();
    });
  }

  /** Runs queued or running. */
  get inFlight(): number {
    return this.queue.length + this.dispatched.size;
  }

  private drop(job: Job): void {
    const index = this.queue.indexOf(job);
    if (index < 0) return;
    this.queue.splice(index, 1);
    this.counters.dropped++;
    job.reject(job.signal!.reason as Error);
  }

  private pump(): void {
    while (this.dispatched.size < WORKER_WINDOW && this.queue.length > 0) {
      const job = this.queue.shift()!;
      job.signal?.removeEventListener('abort', job.onAbort);
      const id = this.nextId++;
      this.dispatched.set(id, job);
      const transfer: ArrayBuffer[] = [];
      for (const tensor of Object.values(job.feeds)) {
        if (!Array.isArray(tensor.data) && tensor.data.buffer instanceof ArrayBuffer) transfer.push(tensor.data.buffer);
      }
      const request: RunRequest = { id, feeds: job.feeds, fetches: job.fetches };
      this.worker.postMessage(request, transfer);
    }
  }

  /** Stops the worker; runs not yet answered fail with UNAVAILABLE. */
  async close(): Promise<void> {
    this.fail(new Error('model instance closed'));
    await this.worker.terminate();
  }

  private onReply(reply: WorkerReply): void {
    if (reply.kind !== 'result' && reply.kind !== 'run-failed') return;
    const job = this.dispatched.get(reply.id);
    if (!job) return;
    this.dispatched.delete(reply.id);
    this.counters.executed++;
    if (reply.kind === 'result') job.resolve({ outputs: reply.outputs, computeNs: reply.computeNs });
    else job.reject(new Error(reply.message));
    this.pump();
  }

  private fail(cause: Error): void {
    this.stopped ??= cause;
    for (const job of [...this.queue, ...this.dispatched.values()]) {
      job.signal?.removeEventListener('abort', job.onAbort);
      job.reject(new ServiceError(status.UNAVAILABLE, 'model instance stopped before answering', { cause }));
    }
    this.queue.length = 0;
    this.dispatched.clear();
  }
}
