/** Messages between a model instance's worker thread and the runner's gRPC thread. */
import type { OrtElementType, TensorData } from '@infermesh/common';

/** What a worker is started with (its `workerData`). */
export interface WorkerInit {
  modelPath: string;
  /** `cpu` or `cuda:N`. */
  device: string;
  /** 0 lets onnxruntime choose. */
  intraOpThreads: number;
  graphOptimizationLevel: 'disabled' | 'basic' | 'extended' | 'all';
  /** The instance's run slots (see RunSlots). */
  slots: SharedArrayBuffer;
}

/** A tensor crossing the thread boundary; `data` owns its buffer, which is transferred. */
export interface WireTensor {
  type: OrtElementType;
  data: TensorData;
  dims: number[];
}

/**
 * The buffer behind `data` when `data` views all of it, so posting it may transfer (not copy)
 * it; undefined for string tensors and views into a larger or shared buffer, which must be
 * copied because something else still owns the rest.
 */
export function ownedBuffer(data: TensorData): ArrayBuffer | undefined {
  if (Array.isArray(data)) return undefined;
  const buffer = data.buffer;
  return buffer instanceof ArrayBuffer && data.byteOffset === 0 && data.byteLength === buffer.byteLength ? buffer : undefined;
}

/** One value of a session's signature as onnxruntime reports it. */
export interface ValueInfo {
  name: string;
  isTensor: boolean;
  /** onnxruntime element type, e.g. float32; empty for non-tensor values. */
  type: string;
  /** Dimensions; symbolic or unknown ones are -1. */
  shape: number[];
}

/** Main thread → worker, for a run that does not fit a slot. */
export interface RunRequest {
  id: number;
  feeds: Record<string, WireTensor>;
  fetches: readonly string[];
}

/** Worker → main thread. */
export type WorkerReply =
  | { kind: 'ready'; inputs: ValueInfo[]; outputs: ValueInfo[] }
  | { kind: 'load-failed'; message: string; precondition: boolean }
  | {
      kind: 'result';
      id: number;
      /** The slot the request came in, freed by this reply; -1 when it came by message. */
      slot: number;
      outputs: Record<string, WireTensor>;
      /** Creating the session's input tensors from the feeds. */
      inputNs: number;
      /** session.run. */
      computeNs: number;
      /** Reading the outputs back out of the session's tensors. */
      outputNs: number;
    }
  | { kind: 'run-failed'; id: number; slot: number; message: string };
