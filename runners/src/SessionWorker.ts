/** One model instance: a worker thread holding an ORT session, seen from the gRPC thread. */
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ServiceError } from '@infermesh/common';
import { REPLY, REPLY_PREFIX_BYTES, RunSlots, SLOT_COUNT, FREE, allocateSlots, type SlotTensor } from './RunSlots.js';
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
  /** The outputs asked for, in the order a slot's reply lists them. */
  fetches: readonly string[];
}

/** How long close() waits for runs already in the worker before stopping it anyway. */
const CLOSE_DRAIN_MS = 10_000;

/** A started worker whose session is loaded. Runs are sent as they come; the Batcher decides when. */
export class SessionWorker {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private stopped: Error | undefined;
  private readonly inputIndex: Map<string, number>;
  private readonly outputIndex: Map<string, number>;
  /** Runs sent through a slot and not answered yet. */
  private inSlots = 0;
  /** Whether a wait for slot replies is armed. */
  private waiting = false;
  /** Called when the last run out is answered, while close() waits for that. */
  private onDrained: (() => void) | undefined;

  private constructor(
    private readonly worker: Worker,
    private readonly slots: RunSlots,
    /** The session's inputs as onnxruntime reports them. */
    readonly inputs: ValueInfo[],
    /** The session's outputs as onnxruntime reports them. */
    readonly outputs: ValueInfo[],
  ) {
    this.inputIndex = new Map(inputs.map((info, index) => [info.name, index]));
    this.outputIndex = new Map(outputs.map((info, index) => [info.name, index]));
    worker.on('message', (reply: WorkerReply) => this.onReply(reply));
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => this.fail(new Error(`worker exited with code ${code}`)));
  }

  /** Starts a worker and loads the model; rejects with SessionLoadError if it cannot. */
  static start(options: Omit<WorkerInit, 'slots'>): Promise<SessionWorker> {
    const init: WorkerInit = { ...options, slots: allocateSlots() };
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
          resolve(new SessionWorker(worker, new RunSlots(init.slots), reply.inputs, reply.outputs));
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

  /**
   * Runs the session. Numeric feeds that fit go through a free slot (copied into shared
   * memory); others are posted to the worker, their buffers transferred and unusable after.
   */
  run(feeds: Record<string, WireTensor>, fetches: readonly string[]): Promise<RunResult> {
    if (this.stopped) return Promise.reject(ServiceError.unavailable('model instance has stopped'));
    const id = this.nextId++;
    return new Promise<RunResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, fetches });
      if (this.sendInSlot(id, feeds, fetches)) return;
      const transfer: ArrayBuffer[] = [];
      for (const tensor of Object.values(feeds)) {
        const buffer = ownedBuffer(tensor.data);
        if (buffer) transfer.push(buffer);
      }
      const request: RunRequest = { id, feeds, fetches };
      this.worker.postMessage(request, transfer);
    });
  }

  /** Writes the run into a free slot and hands it to the worker; false when none is free or it does not fit. */
  private sendInSlot(id: number, feeds: Record<string, WireTensor>, fetches: readonly string[]): boolean {
    let slot = 0;
    while (slot < SLOT_COUNT && this.slots.state(slot) !== FREE) slot++;
    if (slot === SLOT_COUNT) return false;
    const head = [id, fetches.length];
    for (const name of fetches) {
      const index = this.outputIndex.get(name);
      if (index === undefined) return false;
      head.push(index);
    }
    const tensors: SlotTensor[] = [];
    for (const name in feeds) {
      const index = this.inputIndex.get(name);
      if (index === undefined) return false;
      tensors.push({ index, tensor: feeds[name]! });
    }
    if (!this.slots.writeTensors(this.slots.region(slot, false), 0, head, tensors)) return false;
    this.slots.publishRequest(slot);
    this.inSlots++;
    this.awaitReplies();
    return true;
  }

  /** Reads every reply in the slots, then, while runs are still out, waits for the worker to write more. */
  private awaitReplies(): void {
    if (this.waiting) return;
    for (;;) {
      const seen = this.slots.repliesWritten();
      this.readReplies();
      if (this.inSlots === 0 || this.stopped) return;
      const written = this.slots.waitFor('replies', seen);
      if (written) {
        this.waiting = true;
        void written.then(() => {
          this.waiting = false;
          this.awaitReplies();
        });
        return;
      }
    }
  }

  private readReplies(): void {
    for (let slot = 0; slot < SLOT_COUNT; slot++) {
      if (this.slots.state(slot) !== REPLY) continue;
      const region = this.slots.region(slot, true);
      const id = this.slots.headerWord(region, REPLY_PREFIX_BYTES, 0);
      const tensors = this.slots.readTensors(region, REPLY_PREFIX_BYTES, 1);
      const inputNs = this.slots.timing(slot, 0);
      const computeNs = this.slots.timing(slot, 1);
      const outputNs = this.slots.timing(slot, 2);
      this.freeSlot(slot);
      const pending = this.pending.get(id);
      if (!pending) continue;
      this.settle(id);
      const outputs: Record<string, WireTensor> = {};
      for (const { index, tensor } of tensors) outputs[pending.fetches[index]!] = tensor;
      pending.resolve({ outputs, inputNs, computeNs, outputNs });
    }
  }

  private freeSlot(slot: number): void {
    this.slots.setState(slot, FREE);
    this.inSlots--;
  }

  /** Runs sent to the worker and not answered yet. */
  get busy(): number {
    return this.pending.size;
  }

  /**
   * Stops the worker once the runs it is in (their callers may be gone) are answered, waiting at
   * most {@link CLOSE_DRAIN_MS}; runs not answered by then fail with UNAVAILABLE. onnxruntime
   * cannot stop a run midway, and a worker terminated under a running session makes
   * onnxruntime-node's native callback throw into a torn-down environment, which aborts the
   * whole process on Node 22.
   */
  async close(): Promise<void> {
    if (this.pending.size > 0 && !this.stopped) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, CLOSE_DRAIN_MS);
        this.onDrained = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.onDrained = undefined;
    }
    this.fail(new Error('model instance closed'));
    await this.worker.terminate();
    // A wait for slot replies would otherwise stay armed for good.
    this.slots.wakeReplyWaiter();
  }

  /** Forgets an answered run; the last one out ends a close()'s wait. */
  private settle(id: number): void {
    this.pending.delete(id);
    if (this.pending.size === 0) this.onDrained?.();
  }

  private onReply(reply: WorkerReply): void {
    if (reply.kind !== 'result' && reply.kind !== 'run-failed') return;
    if (reply.slot >= 0) this.freeSlot(reply.slot);
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    this.settle(reply.id);
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
