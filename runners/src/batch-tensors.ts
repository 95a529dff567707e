/** Joins requests' inputs along the batch dimension and splits a batch's outputs back per request. */
import { elementCount, type TensorData } from '@infermesh/common';
import type { WireTensor } from './session-protocol.js';

type NumericData = Exclude<TensorData, string[]>;

/** Concatenates each input of `parts` along dimension 0; every part has the same inputs and non-batch dims. */
export function concatFeeds(parts: readonly Record<string, WireTensor>[], totalBatch: number): Record<string, WireTensor> {
  const first = parts[0]!;
  const joined: Record<string, WireTensor> = {};
  for (const [name, head] of Object.entries(first)) {
    const dims = [totalBatch, ...head.dims.slice(1)];
    if (Array.isArray(head.data)) {
      joined[name] = { type: head.type, dims, data: parts.flatMap((part) => part[name]!.data as string[]) };
      continue;
    }
    const Ctor = head.data.constructor as new (length: number) => NumericData;
    const out = new Ctor(elementCount(dims));
    let offset = 0;
    for (const part of parts) {
      const data = part[name]!.data as NumericData;
      (out as { set(array: ArrayLike<number | bigint>, offset: number): void }).set(data, offset);
      offset += data.length;
    }
    joined[name] = { type: head.type, dims, data: out };
  }
  return joined;
}

/**
 * Splits each output along dimension 0 into `batches` rows per request, as views of the
 * batch's buffers (no copy). Throws when an output's first dimension is not the batch.
 */
export function splitOutputs(outputs: Record<string, WireTensor>, batches: readonly number[]): Record<string, WireTensor>[] {
  const total = batches.reduce((sum, rows) => sum + rows, 0);
  const parts: Record<string, WireTensor>[] = batches.map(() => ({}));
  for (const [name, tensor] of Object.entries(outputs)) {
    if (tensor.dims[0] !== total) {
      throw new Error(`output '${name}' has first dimension ${tensor.dims[0]}, not the batch size ${total}; it cannot be split per request`);
    }
    const rowElements = total === 0 ? 0 : tensor.data.length / total;
    let row = 0;
    batches.forEach((rows, i) => {
      const start = row * rowElements;
      const end = (row + rows) * rowElements;
      const data = Array.isArray(tensor.data) ? tensor.data.slice(start, end) : (tensor.data as NumericData).subarray(start, end);
      parts[i]![name] = { type: tensor.type, dims: [rows, ...tensor.dims.slice(1)], data: data as TensorData };
      row += rows;
    });
  }
  return parts;
}
