import type { Datatype } from './datatypes.js';

/** Element storage of a decoded tensor, in the form onnxruntime-node takes. */
export type TensorData =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | BigUint64Array
  | BigInt64Array
  | Float32Array
  | Float64Array
  | string[];

/**
 * A tensor decoded from the wire: BOOL is a Uint8Array of 0/1, FP16 and BF16 are
 * Uint16Array bit patterns, BYTES is an array of strings.
 */
export interface HostTensor {
  name: string;
  datatype: Datatype;
  shape: number[];
  data: TensorData;
}

/** Number of elements of a shape (1 for a scalar). */
export function elementCount(shape: readonly number[]): number {
  let count = 1;
  for (const dim of shape) count *= dim;
  return count;
}
