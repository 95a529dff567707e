/**
 * Shared-memory slots between the gRPC thread and a model instance's worker. A run whose
 * numeric tensors fit a slot is written there and the worker is woken only when it sleeps;
 * its outputs come back the same way. Nothing is serialized, no object graph is cloned and
 * no MessagePort message is sent per run. Runs that do not fit (string tensors, tensors over
 * the slot size) take the worker's message port instead.
 *
 * A slot is owned by one side at a time, handed over by its state word:
 * FREE → (gRPC thread writes the request) REQUEST → (worker takes it) RUNNING →
 * (worker writes the reply) REPLY, or back to the gRPC thread by message when the reply does
 * not fit → FREE once the gRPC thread has read it.
 */
import type { OrtElementType, TensorData } from '@infermesh/common';
import type { WireTensor } from './session-protocol.js';

/** Slots per instance: more than the runs a Batcher keeps in one worker at once. */
export const SLOT_COUNT = 8;
/** Bytes of a slot's request and of its reply, each: header then 8-byte-aligned tensor data. */
const REGION_BYTES = 16 * 1024;
const HEADER_INTS = 256;
const HEADER_BYTES = HEADER_INTS * 4;
/** Reply header: three float64 timings, then int32 words. */
const TIMING_FLOATS = 3;

/** Control words: runs written so far (the worker waits on it), replies written so far (the gRPC thread waits on it). */
const REQUESTS_WRITTEN = 0;
const REPLIES_WRITTEN = 1;
const CONTROL_INTS = 2;
/** Control and state words, padded so that every region starts 8-byte aligned. */
const CONTROL_BYTES = 8 * Math.ceil(((CONTROL_INTS + SLOT_COUNT) * 4) / 8);
/** The state words follow the control words. */
export const FREE = 0;
export const REQUEST = 1;
export const RUNNING = 2;
export const REPLY = 3;

const TYPES: readonly Exclude<OrtElementType, 'string'>[] = [
  'bool',
  'uint8',
  'uint16',
  'uint32',
  'uint64',
  'int8',
  'int16',
  'int32',
  'int64',
  'float16',
  'float32',
  'float64',
];

type NumericArray = Exclude<TensorData, string[]>;
type NumericConstructor = new (buffer: ArrayBufferLike, byteOffset: number, length: number) => NumericArray;

const ARRAYS: Record<Exclude<OrtElementType, 'string'>, NumericConstructor> = {
  bool: Uint8Array,
  uint8: Uint8Array,
  uint16: Uint16Array,
  uint32: Uint32Array,
  uint64: BigUint64Array,
  int8: Int8Array,
  int16: Int16Array,
  int32: Int32Array,
  int64: BigInt64Array,
  float16: Uint16Array,
  float32: Float32Array,
  float64: Float64Array,
};

/** The memory of one instance's slots; created by the gRPC thread and given to the worker in its `workerData`. */
export function allocateSlots(): SharedArrayBuffer {
  return new SharedArrayBuffer(CONTROL_BYTES + SLOT_COUNT * 2 * REGION_BYTES);
}

/** `Atomics.waitAsync` (V8 has it; the project's TypeScript lib predates it). */
const waitAsync = (Atomics as unknown as {
  waitAsync(array: Int32Array, index: number, value: number): { async: false; value: string } | { async: true; value: Promise<string> };
}).waitAsync;

const align8 = (n: number): number => (n + 7) & ~7;

/** A tensor in a slot and which one it is. */
export interface SlotTensor {
  /** Index in the session's inputs or (replies) in the request's fetches. */
  index: number;
  tensor: WireTensor;
}

/** The two views every side needs over one slot memory. */
export class RunSlots {
  readonly control: Int32Array;
  private readonly ints: Int32Array;
  private readonly bytes: Uint8Array;
  private readonly floats: Float64Array;
  /** Per counter word, whether a wake-up is already scheduled for this turn. */
  private readonly wakePending = [false, false];

  constructor(readonly memory: SharedArrayBuffer) {
    this.control = new Int32Array(memory, 0, CONTROL_INTS + SLOT_COUNT);
    this.ints = new Int32Array(memory);
    this.bytes = new Uint8Array(memory);
    this.floats = new Float64Array(memory);
  }

  state(slot: number): number {
    return Atomics.load(this.control, CONTROL_INTS + slot);
  }

  setState(slot: number, state: number): void {
    Atomics.store(this.control, CONTROL_INTS + slot, state);
  }

  /** Byte offset of a slot's request (`reply` false) or reply region. */
  region(slot: number, reply: boolean): number {
    return CONTROL_BYTES + (slot * 2 + (reply ? 1 : 0)) * REGION_BYTES;
  }

  /** Marks a slot as holding a request; the worker, if it waits, is woken once this turn of the event loop is done. */
  publishRequest(slot: number): void {
    this.setState(slot, REQUEST);
    Atomics.add(this.control, REQUESTS_WRITTEN, 1);
    this.wakeSoon(REQUESTS_WRITTEN);
  }

  /** Marks a slot as holding a reply; the gRPC thread, if it waits, is woken once this turn of the event loop is done. */
  publishReply(slot: number): void {
    this.setState(slot, REPLY);
    Atomics.add(this.control, REPLIES_WRITTEN, 1);
    this.wakeSoon(REPLIES_WRITTEN);
  }

  /**
   * One wake-up for every run published in one turn of the event loop: waking a thread that
   * waits costs a task posted to its event loop, and at high rates several runs are written
   * (or several replies finish) in one turn. The waiter reads every slot when it wakes.
   */
  private wakeSoon(word: number): void {
    if (this.wakePending[word]) return;
    this.wakePending[word] = true;
    setImmediate(() => {
      this.wakePending[word] = false;
      Atomics.notify(this.control, word);
    });
  }

  requestsWritten(): number {
    return Atomics.load(this.control, REQUESTS_WRITTEN);
  }

  repliesWritten(): number {
    return Atomics.load(this.control, REPLIES_WRITTEN);
  }

  /** Resolves once the counter at `word` is no longer `seen` (at once if it moved already). */
  waitFor(which: 'requests' | 'replies', seen: number): Promise<unknown> | undefined {
    const result = waitAsync(this.control, which === 'requests' ? REQUESTS_WRITTEN : REPLIES_WRITTEN, seen);
    return result.async ? result.value : undefined;
  }

  /** Wakes whoever waits on the replies counter without writing one: a closing instance frees its waiter. */
  wakeReplyWaiter(): void {
    Atomics.add(this.control, REPLIES_WRITTEN, 1);
    Atomics.notify(this.control, REPLIES_WRITTEN);
  }

  /** The int32 word at `word` of a region's header (after its prefix). */
  headerWord(offset: number, prefixBytes: number, word: number): number {
    return this.ints[(offset + prefixBytes) / 4 + word]!;
  }

  /**
   * Writes tensors into a region: `head` int32 words first (the request's id and fetch
   * indexes, or nothing), then per tensor its index, type, rank, dims, data offset and
   * length. False, having written nothing that matters, when something does not fit a slot.
   */
  writeTensors(offset: number, prefixBytes: number, head: readonly number[], tensors: readonly SlotTensor[]): boolean {
    let headerInts = head.length + 1;
    let dataBytes = 0;
    for (const { tensor } of tensors) {
      if (Array.isArray(tensor.data)) return false;
      headerInts += 5 + tensor.dims.length;
      dataBytes = align8(dataBytes) + tensor.data.byteLength;
    }
    if (prefixBytes + headerInts * 4 > HEADER_BYTES || HEADER_BYTES + dataBytes > REGION_BYTES) return false;
    const ints = this.ints;
    let word = (offset + prefixBytes) / 4;
    for (const value of head) ints[word++] = value;
    ints[word++] = tensors.length;
    const dataStart = offset + HEADER_BYTES;
    let at = 0;
    for (const { index, tensor } of tensors) {
      const data = tensor.data as NumericArray;
      const type = TYPES.indexOf(tensor.type as Exclude<OrtElementType, 'string'>);
      if (type < 0) return false;
      ints[word++] = index;
      ints[word++] = type;
      ints[word++] = tensor.dims.length;
      for (const dim of tensor.dims) {
        if (dim > 0x7fffffff) return false;
        ints[word++] = dim;
      }
      at = align8(at);
      ints[word++] = at;
      ints[word++] = data.byteLength;
      this.bytes.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), dataStart + at);
      at += data.byteLength;
    }
    return true;
  }

  /**
   * Reads the tensors {@link writeTensors} wrote after `headInts` words of head, each copied
   * into an array of its own: the slot is reused, and onnxruntime refuses shared memory.
   */
  readTensors(offset: number, prefixBytes: number, headInts: number): SlotTensor[] {
    const ints = this.ints;
    let word = (offset + prefixBytes) / 4 + headInts;
    const count = ints[word++]!;
    const dataStart = offset + HEADER_BYTES;
    const tensors: SlotTensor[] = [];
    for (let i = 0; i < count; i++) {
      const index = ints[word++]!;
      const type = TYPES[ints[word++]!]!;
      const rank = ints[word++]!;
      const dims: number[] = [];
      for (let d = 0; d < rank; d++) dims.push(ints[word++]!);
      const at = dataStart + ints[word++]!;
      const byteLength = ints[word++]!;
      const Ctor = ARRAYS[type];
      const width = (Ctor as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
      const data = new Ctor(this.bytes.slice(at, at + byteLength).buffer, 0, byteLength / width);
      tensors.push({ index, tensor: { type, dims, data } });
    }
    return tensors;
  }

  /** The reply's timings: input, compute and output nanoseconds. */
  writeTimings(slot: number, inputNs: number, computeNs: number, outputNs: number): void {
    const at = this.region(slot, true) / 8;
    this.floats[at] = inputNs;
    this.floats[at + 1] = computeNs;
    this.floats[at + 2] = outputNs;
  }

  /** One of the reply's timings (0 input, 1 compute, 2 output). */
  timing(slot: number, which: 0 | 1 | 2): number {
    return this.floats[this.region(slot, true) / 8 + which]!;
  }
}

/** Bytes before a reply's tensor header: its timings. */
export const REPLY_PREFIX_BYTES = TIMING_FLOATS * 8;
