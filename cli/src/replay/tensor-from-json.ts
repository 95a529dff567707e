/**
 * A recorded tensor (the sink's JSON form: numbers, booleans, decimal strings for 64-bit
 * integers, UTF-8 strings for BYTES, null for NaN and infinities) back to the raw bytes of the
 * Open Inference Protocol, so that a replayed call sends what the recorded call sent.
 */
import { elementCount, encodeRaw, isDatatype, type TensorData } from '@infermesh/client';
import type { TensorJson } from '@infermesh/common';
import { CliError } from '../cli-error.js';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The bfloat16 bits of a value that is one (the record widened it): the top half of its float32. */
function bfloat16Bits(value: number): number {
  f32[0] = value;
  return u32[0]! >>> 16;
}

/** The IEEE half bits of a value that is one (the record widened it); others are rounded toward zero. */
function halfBits(value: number): number {
  if (Number.isNaN(value)) return 0x7e00;
  const sign = value < 0 || Object.is(value, -0) ? 0x8000 : 0;
  const magnitude = Math.abs(value);
  if (magnitude === Infinity || magnitude >= 65520) return sign | 0x7c00;
  if (magnitude < 2 ** -14) return sign | Math.round(magnitude / 2 ** -24);
  const exponent = Math.floor(Math.log2(magnitude));
  const fraction = Math.round((magnitude / 2 ** exponent - 1) * 1024);
  return fraction === 1024 ? sign | ((exponent + 16) << 10) : sign | ((exponent + 15) << 10) | fraction;
}

const number = (value: unknown): number => (value === null ? NaN : Number(value));

type NumericArray = Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array;

/** Datatypes whose values are plain numbers, by the array that holds them. */
const NUMBER_ARRAYS: Record<string, { from(values: unknown[], map: (value: unknown) => number): NumericArray }> = {
  FP32: Float32Array,
  FP64: Float64Array,
  INT8: Int8Array,
  INT16: Int16Array,
  INT32: Int32Array,
  UINT8: Uint8Array,
  UINT16: Uint16Array,
  UINT32: Uint32Array,
};

/** The host array of a recorded tensor's values. */
function hostData(datatype: string, values: unknown[]): TensorData {
  switch (datatype) {
    case 'BOOL':
      return Uint8Array.from(values, (value) => (value === true || value === 1 ? 1 : 0));
    case 'BYTES':
      return values.map((value) => String(value));
    case 'INT64':
      return BigInt64Array.from(values, (value) => BigInt(value as string));
    case 'UINT64':
      return BigUint64Array.from(values, (value) => BigInt(value as string));
    case 'FP16':
      return Uint16Array.from(values, (value) => halfBits(number(value)));
    case 'BF16':
      return Uint16Array.from(values, (value) => bfloat16Bits(number(value)));
    default:
      return NUMBER_ARRAYS[datatype]!.from(values, number);
  }
}

/** The raw bytes of `tensor`; `where` names the record in the error for one that cannot be sent. */
export function rawTensor(tensor: TensorJson, where: string): Buffer {
  const { name, datatype, shape, data } = tensor;
  if (!isDatatype(datatype)) throw new CliError(`${where}: tensor '${name}' has unknown datatype '${String(datatype)}'`);
  if (!Array.isArray(data)) throw new CliError(`${where}: tensor '${name}' has no data${tensor.error ? ` (${tensor.error})` : ''}`);
  if (!Array.isArray(shape) || elementCount(shape) !== data.length) {
    throw new CliError(`${where}: tensor '${name}' has ${data.length} values for shape [${String(shape)}]`);
  }
  try {
    return encodeRaw(hostData(datatype, data));
  } catch (error) {
    throw new CliError(`${where}: tensor '${name}': ${(error as Error).message}`);
  }
}
