/** One model instance: a worker thread holding an ORT session, seen from the gRPC thread. */
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ServiceError } from '@infermesh/common';
import { ownedBuffer, type RunRequest, type ValueInfo, type WireTensor, type WorkerInit, type WorkerReply } from './session-protocol.js';

/**
 * The compiled worker script. Under vitest this module runs from src/*.ts, and worker
 * threads cannot load TypeScript, so it points at the build output (tests run after build).
 */
const WORKER_SCRIPT = fileURLToPath(
  import.meta.url.endsWith('.ts')
    ? new URL('../dist/session-worker.js', import.meta.url)
    : new URL('./session-worker.js', import.meta.url),
);

/** Outputs of one run and where the worker spent its time, by its own clock. */
export interface RunResult {
  outputs: Record<string, WireTensor>;
  /** Creating the session's input tensors. */
  inputNs: number;
  /** session.run. */
  computeNs: number;
  /** Reading the outputs out of the session's tensors. */
  outputNs: number;
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

interface Pending {
  resolve(result: RunResult): void;
  reject(error: Error): void;
}

/** A started worker whose session is loaded. Runs are sent as they come; the Batcher decides when. */
export class SessionWorker {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private stopped: Error | undefined;

  private constructor(
    private readonly worker: Worker,
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
  static start(init: WorkerInit): Promise<SessionWorker> {
    const worker = new Worker(WORKER_SCRIPT, { workerData: init });
    return new Promise((resolve, reject) => {
      const fail = (message: string, precondition = false) => {
        cleanup();
        void worker.terminate();
        reject(new SessionLoadError(message, precondition));
      };
      const onError = (error: Error) => fail(error.message);
      const onExit = (code: number) => fail(`worker exited with code ${code} while loading`);
      const onMessage = (reply: WorkerReply) => {
        if (reply.kind === 'ready') {
          cleanup();
          resolve(new SessionWorker(worker, reply.inputs, reply.outputs));
        } else if (reply.kind === 'load-failed') {
          fail(reply.message, reply.precondition);
        }
      };
      const cleanup = () => {
        worker.off('error', onError).off('exit', onExit).off('message', onMessage);
      };
      worker.on('error', onError).on('exit', onExit).on('message', onMessage);
    });
  }

  /** Runs the session; the feeds' buffers are transferred to the worker and unusable after. */
  run(feeds: Record<string, WireTensor>, fetches: readonly string[]): Promise<RunResult> {
    if (this.stopped) return Promise.reject(ServiceError.unavailable('model instance has stopped'));
    const id = this.nextId++;
    const transfer: ArrayBuffer[] = [];
    for (const tensor of Object.values(feeds)) {
      const buffer = ownedBuffer(tensor.data);
      if (buffer) transfer.push(buffer);
    }
    return new Promise<RunResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const request: RunRequest = { id, feeds, fetches };
      this.worker.postMessage(request, transfer);
    });
  }

  /** Runs sent to the worker and not answered yet. */
  get busy(): number {
    return this.pending.size;
  }

  /** Stops the worker; runs not answered yet fail with UNAVAILABLE. */
  async close(): Promise<void> {
    this.fail(new Error('model instance closed'));
    await this.worker.terminate();
  }

  private onReply(reply: WorkerReply): void {
    if (reply.kind !== 'result' && reply.kind !== 'run-failed') return;
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    this.pending.delete(reply.id);
    if (reply.kind === 'result') {
      pending.resolve({ outputs: reply.outputs, inputNs: reply.inputNs, computeNs: reply.computeNs, outputNs: reply.outputNs });
    } else pending.reject(new Error(reply.message));
  }

  private fail(cause: Error): void {
    this.stopped ??= cause;
    for (const pending of this.pending.values()) {
      pending.reject(ServiceError.unavailable('model instance stopped before answering', { cause }));
    }
    this.pending.clear();
  }
}
