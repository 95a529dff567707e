/**
 * Wire form ↔ host form of tensor data: raw little-endian bytes and typed
 * `InferTensorContents` to and from typed arrays. Hot path: one copy in, none out.
 */
import type { InferTensorContents, InferTensorContents__Output } from '@infermesh/proto';
import { TensorDataError } from './TensorDataError.js';
import { datatypeInfo, type Datatype } from './datatypes.js';
import type { TensorData } from './HostTensor.js';

type NumericArrayConstructor =
  | Uint8ArrayConstructor
  | Int8ArrayConstructor
  | Uint16ArrayConstructor
  | Int16ArrayConstructor
  | Uint32ArrayConstructor
  | Int32ArrayConstructor
  | BigUint64ArrayConstructor
  | BigInt64ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor;

const ARRAY_TYPES: Record<Exclude<Datatype, 'BYTES'>, NumericArrayConstructor> = {
  BOOL: Uint8Array,
  UINT8: Uint8Array,
  UINT16: Uint16Array,
  UINT32: Uint32Array,
  UINT64: BigUint64Array,
  INT8: Int8Array,
  INT16: Int16Array,
  INT32: Int32Array,
  INT64: BigInt64Array,
  FP16: Uint16Array,
  BF16: Uint16Array,
  FP32: Float32Array,
  FP64: Float64Array,
};

/** Bytes of the 4-byte little-endian length that precedes each raw BYTES element. */
const BYTES_PREFIX = 4;

const utf8 = new TextDecoder('utf-8');

/**
 * Decodes one raw input. Numeric data is copied once into a fresh, aligned buffer that
 * the caller owns outright (so it can be transferred to a worker thread without copying
 * the whole gRPC message it came from).
 */
export function decodeRaw(name: string, datatype: Datatype, count: number, bytes: Uint8Array): TensorData {
  if (datatype === 'BYTES') return decodeRawBytes(name, count, bytes);
  const { byteSize } = datatypeInfo(datatype);
  if (bytes.byteLength !== count * byteSize) {
    throw new TensorDataError(
      `input '${name}': expected ${count * byteSize} bytes of raw ${datatype} data (${count} elements × ${byteSize}), got ${bytes.byteLength}`,
    );
  }
  const Ctor = ARRAY_TYPES[datatype];
  const out = new Ctor(count);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

function decodeRawBytes(name: string, count: number, bytes: Uint8Array): string[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Array<string>(count);
  let offset = 0;
  for (let i = 0; i < count; i++) {
    if (offset + BYTES_PREFIX > bytes.byteLength) {
      throw new TensorDataError(
        `input '${name}': raw BYTES data ends after ${i} of ${count} elements (each element is a 4-byte little-endian length followed by its bytes)`,
      );
    }
    const length = view.getUint32(offset, true);
    offset += BYTES_PREFIX;
    if (offset + length > bytes.byteLength) {
      throw new TensorDataError(
        `input '${name}': raw BYTES element ${i} declares ${length} bytes but only ${bytes.byteLength - offset} remain`,
      );
    }
    out[i] = utf8.decode(bytes.subarray(offset, offset + length));
    offset += length;
  }
  if (offset !== bytes.byteLength) {
    throw new TensorDataError(
      `input '${name}': raw BYTES data holds ${bytes.byteLength - offset} bytes after the ${count} elements its shape implies`,
    );
  }
  return out;
}

/** Decodes one input given as typed `contents`. */
export function decodeContents(
  name: string,
  datatype: Datatype,
  count: number,
  contents: InferTensorContents__Output,
): TensorData {
  const { contentsField, range } = datatypeInfo(datatype);
  if (contentsField === null) {
    throw new TensorDataError(`input '${name}': ${datatype} data can only be sent in raw_input_contents`);
  }
  const values = contents[contentsField] as readonly (number | string | boolean | Buffer)[];
  if (values.length !== count) {
    throw new TensorDataError(
      `input '${name}': expected ${count} elements in contents.${contentsField}, got ${values.length}`,
    );
  }
  if (datatype === 'BYTES') return (values as Buffer[]).map((value) => utf8.decode(value));
  const Ctor = ARRAY_TYPES[datatype];
  if (datatype === 'INT64' || datatype === 'UINT64') {
    const out = new (Ctor as BigInt64ArrayConstructor | BigUint64ArrayConstructor)(count);
    for (let i = 0; i < count; i++) out[i] = BigInt(values[i] as string);
    return out;
  }
  const out = new (Ctor as Exclude<NumericArrayConstructor, BigInt64ArrayConstructor | BigUint64ArrayConstructor>)(count);
  for (let i = 0; i < count; i++) {
    const value = Number(values[i]);
    if (range && (value < range[0] || value > range[1])) {
      throw new TensorDataError(
        `input '${name}': element ${i} is ${value}, outside the ${datatype} range ${range[0]}..${range[1]}`,
      );
    }
    out[i] = value;
  }
  return out;
}

/** Encodes tensor data as raw bytes; numeric data is a view of the array's memory, not a copy. */
export function encodeRaw(data: TensorData): Buffer {
  if (Array.isArray(data)) return encodeRawBytes(data);
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** Length-prefixed UTF-8 elements, written straight into one buffer sized up front. */
function encodeRawBytes(values: readonly string[]): Buffer {
  let total = 0;
  for (const value of values) total += BYTES_PREFIX + Buffer.byteLength(value, 'utf8');
  const out = Buffer.allocUnsafe(total);
  let offset = 0;
  for (const value of values) {
    const length = out.write(value, offset + BYTES_PREFIX, 'utf8');
    out.writeUInt32LE(length, offset);
    offset += BYTES_PREFIX + length;
  }
  return out;
}

/** Encodes tensor data as typed contents of the field its datatype travels in. */
export function encodeContents(datatype: Datatype, data: TensorData): InferTensorContents {
  const { contentsField } = datatypeInfo(datatype);
  if (contentsField === null) {
    throw new TensorDataError(`${datatype} data can only travel as raw contents`);
  }
  if (Array.isArray(data)) return { bytes_contents: data.map((value) => Buffer.from(value, 'utf8')) };
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    return { [contentsField]: Array.from(data, (value) => value.toString()) };
  }
  if (datatype === 'BOOL') return { bool_contents: Array.from(data, (value) => value !== 0) };
  return { [contentsField]: Array.from(data) };
}

/** Typed contents with every field empty, as a decoder fills an absent `contents`. */
export function emptyContents(): InferTensorContents__Output {
  return {
    bool_contents: [],
    int_contents: [],
    int64_contents: [],
    uint_contents: [],
    uint64_contents: [],
    fp32_contents: [],
    fp64_contents: [],
    bytes_contents: [],
  };
}
