/** A record tensor (raw Open Inference Protocol bytes) as JSON values that any consumer can read. */
import { decodeRaw, elementCount, isDatatype, toGrpcStatus, type TensorData, type TensorJson } from '@infermesh/common';
import type { RecordTensor__Output } from '@infermesh/proto/sink';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

function bfloat16ToNumber(bits: number): number {
  u32[0] = bits << 16;
  return f32[0]!;
}

function toJsonValues(datatype: string, data: TensorData): unknown[] {
  if (Array.isArray(data)) return data;
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) return Array.from(data, (value) => value.toString());
  if (datatype === 'BOOL') return Array.from(data, (value) => value !== 0);
  if (datatype === 'FP16') return Array.from(data, halfToNumber);
  if (datatype === 'BF16') return Array.from(data, bfloat16ToNumber);
  return Array.from(data as ArrayLike<number>);
}

/** Decodes one raw tensor; bytes that do not fit its shape give `error` instead of `data`. */
export function tensorJson(tensor: RecordTensor__Output): TensorJson {
  const shape = tensor.shape.map(Number);
  const base = { name: tensor.name, datatype: tensor.datatype, shape };
  if (!isDatatype(tensor.datatype)) return { ...base, error: `unknown datatype '${tensor.datatype}'` };
  try {
    return { ...base, data: toJsonValues(tensor.datatype, decodeRaw(tensor.name, tensor.datatype, elementCount(shape), tensor.raw)) };
  } catch (error) {
    return { ...base, error: toGrpcStatus(error).details };
  }
}
