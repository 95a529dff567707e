/**
 * The protobuf wire format as the mesh reads it before (or instead of) decoding a message:
 * tags, varints and field boundaries, without copying or allocating per field.
 */
import { ServiceError } from '../errors/ServiceError.js';

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LENGTH_DELIMITED = 2;
export const WIRE_FIXED32 = 5;

const WIRE_TYPE_NAMES = ['varint', 'fixed64', 'length-delimited', 'start-group', 'end-group', 'fixed32', '6', '7'];

/** How messages name a wire type: `5 (fixed32)`. */
export function wireTypeName(wireType: number): string {
  return `${wireType} (${WIRE_TYPE_NAMES[wireType] ?? '?'})`;
}

/** INVALID_ARGUMENT for bytes that are not well-formed protobuf; `what` names the message. */
export function malformed(what: string): ServiceError {
  return ServiceError.invalidArgument(`request is not a valid ${what} message`);
}

/**
 * Reads a varint of up to 10 bytes at `offset`; returns [value, next offset]. Values up to
 * 2^53 are exact; a negative int64 (10 bytes, bit 63 set) reads as 2^63 or more.
 */
export function readVarint(buf: Buffer, offset: number, end: number, what: string): [number, number] {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (offset >= end) throw malformed(what);
    const byte = buf[offset++]!;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return [value, offset];
    scale *= 128;
  }
  throw malformed(what);
}

/** The bytes of `value` (a non-negative integer up to 2^53) as a varint. */
export function varintBytes(value: number): number[] {
  const out: number[] = [];
  while (value >= 0x80) {
    out.push((value % 128) | 0x80);
    value = Math.floor(value / 128);
  }
  out.push(value);
  return out;
}

/** Bytes of `value` (a non-negative integer up to 2^53) as a varint. */
export function varintSize(value: number): number {
  let size = 1;
  while (value >= 128) {
    value = Math.floor(value / 128);
    size++;
  }
  return size;
}

/** Writes `value` (a non-negative integer up to 2^53) as a varint at `offset` of `out`; returns the offset after it. */
export function writeVarint(out: Buffer, offset: number, value: number): number {
  while (value >= 128) {
    out[offset++] = (value % 128) | 0x80;
    value = Math.floor(value / 128);
  }
  out[offset++] = value;
  return offset;
}

/** Varints in a packed field's bytes `[start, end)`, counted without decoding them. */
export function countPackedVarints(buf: Buffer, start: number, end: number, what: string): number {
  if (end > start && buf[end - 1]! >= 0x80) throw malformed(what);
  let count = 0;
  for (let i = start; i < end; i++) if (buf[i]! < 0x80) count++;
  return count;
}

/**
 * Calls `visit` with each field of the message in `buf[start, end)`: its number, wire type,
 * where it starts (tag included) and ends, and for length-delimited fields where the value
 * starts. Throws INVALID_ARGUMENT (naming `what`) on anything that is not well-formed protobuf.
 */
export function forEachField(
  buf: Buffer,
  start: number,
  end: number,
  what: string,
  visit: (field: number, wireType: number, fieldStart: number, valueStart: number, valueEnd: number) => void,
): void {
  let offset = start;
  while (offset < end) {
    const fieldStart = offset;
    let tag: number;
    [tag, offset] = readVarint(buf, offset, end, what);
    const field = Math.floor(tag / 8);
    const wireType = tag & 7;
    if (field === 0) throw malformed(what);
    let valueStart = offset;
    switch (wireType) {
      case WIRE_VARINT:
        [, offset] = readVarint(buf, offset, end, what);
        break;
      case WIRE_FIXED64:
        offset += 8;
        break;
      case WIRE_FIXED32:
        offset += 4;
        break;
      case WIRE_LENGTH_DELIMITED: {
        let length: number;
        [length, valueStart] = readVarint(buf, offset, end, what);
        offset = valueStart + length;
        break;
      }
      default:
        throw malformed(what);
    }
    if (offset > end) throw malformed(what);
    visit(field, wireType, fieldStart, valueStart, offset);
  }
}

/** INVALID_ARGUMENT unless a field came with one of the `expected` wire types; `name` is how messages call the field. */
export function expectWireType(name: string, wireType: number, ...expected: number[]): void {
  if (expected.includes(wireType)) return;
  throw ServiceError.invalidArgument(
    `${name} has wire type ${wireTypeName(wireType)}, expected ${expected.map(wireTypeName).join(' or ')}`,
  );
}
