/** Generated inputs that warm a model version up before it reports READY. */
import { datatypeInfo, elementCount, type OrtElementType, type TensorData } from '@infermesh/common';
import type { WireTensor } from './session-protocol.js';
import type { Signature } from './signature.js';

function fill(type: OrtElementType, count: number, random: boolean): TensorData {
  const value = (i: number) => (random ? Math.random() : 0) * (i % 2 === 0 ? 1 : -1);
  switch (type) {
    case 'string':
      return Array.from({ length: count }, (_, i) => (random ? String(i) : ''));
    case 'float32':
      return Float32Array.from({ length: count }, (_, i) => value(i));
    case 'float64':
      return Float64Array.from({ length: count }, (_, i) => value(i));
    case 'int64':
      return BigInt64Array.from({ length: count }, (_, i) => BigInt(random ? i % 100 : 0));
    case 'uint64':
      return BigUint64Array.from({ length: count }, (_, i) => BigInt(random ? i % 100 : 0));
    case 'bool':
    case 'uint8':
      return Uint8Array.from({ length: count }, (_, i) => (random ? i % 2 : 0));
    case 'int8':
      return Int8Array.from({ length: count }, (_, i) => (random ? i % 100 : 0));
    case 'uint16':
    case 'float16':
      // Small integers' bit patterns are tiny positive FP16 values: finite either way.
      return Uint16Array.from({ length: count }, (_, i) => (random ? i % 100 : 0));
    case 'int16':
      return Int16Array.from({ length: count }, (_, i) => (random ? i % 100 : 0));
    case 'uint32':
      return Uint32Array.from({ length: count }, (_, i) => (random ? i % 100 : 0));
    case 'int32':
      return Int32Array.from({ length: count }, (_, i) => (random ? i % 100 : 0));
  }
}

/**
 * Feeds for one warm-up run: each variable dimension is 1, except the batch dimension of a
 * batched model, which is `batchSize`.
 */
export function warmupFeeds(signature: Signature, batched: boolean, batchSize: number, random: boolean): Record<string, WireTensor> {
  const feeds: Record<string, WireTensor> = {};
  for (const spec of signature.inputs) {
    const dims = spec.shape.map((dim, i) => (dim >= 0 ? dim : i === 0 && batched ? batchSize : 1));
    const type = datatypeInfo(spec.datatype).ortType!;
    feeds[spec.name] = { type, dims, data: fill(type, elementCount(dims), random) };
  }
  return feeds;
}
