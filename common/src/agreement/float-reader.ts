/** Reads one float element of raw little-endian tensor bytes as a JS number, FP16 and BF16 included. */
import type { Datatype } from '@infermesh/client';

/** The float datatypes, compared by difference and argmax rather than byte for byte. */
export type FloatDatatype = 'FP16' | 'BF16' | 'FP32' | 'FP64';

/** True when outputs of `datatype` are compared numerically. */
export function isFloatDatatype(datatype: string): datatype is FloatDatatype {
  return datatype === 'FP32' || datatype === 'FP16' || datatype === 'FP64' || datatype === 'BF16';
}

/** Bytes per element of each float datatype. */
export const FLOAT_BYTES: Record<FloatDatatype, number> = { FP16: 2, BF16: 2, FP32: 4, FP64: 8 };

// One shared word for BF16: its bits are the top half of an FP32, so no allocation per element.
const bf16Bits = new Uint32Array(1);
const bf16Value = new Float32Array(bf16Bits.buffer);

/** An IEEE 754 half-precision bit pattern as a number. */
export function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** Element `index` of raw `bytes` (viewed by `view`) of a float datatype. */
export function readFloat(view: DataView, datatype: FloatDatatype | Datatype, index: number): number {
  switch (datatype) {
    case 'FP32':
      return view.getFloat32(index * 4, true);
    case 'FP64':
      return view.getFloat64(index * 8, true);
    case 'FP16':
      return halfToNumber(view.getUint16(index * 2, true));
    case 'BF16':
      bf16Bits[0] = view.getUint16(index * 2, true) << 16;
      return bf16Value[0] as number;
    default:
      throw new TypeError(`${datatype} is not a float datatype`);
  }
}
