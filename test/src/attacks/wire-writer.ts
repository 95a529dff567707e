/**
 * A protobuf writer for hand-made messages: any field number with any wire type, any varint
 * (negative int64s as their 10-byte two's complement), so an attack can write what no
 * generated encoder would.
 */

export const VARINT = 0;
export const FIXED64 = 1;
export const LENGTH_DELIMITED = 2;
export const START_GROUP = 3;
export const END_GROUP = 4;
export const FIXED32 = 5;

/** The bytes of `value` as a varint; a negative value as its 64-bit two's complement. */
export function varint(value: number | bigint): Buffer {
  let rest = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  while (rest >= 0x80n) {
    out.push(Number(rest & 0x7fn) | 0x80);
    rest >>= 7n;
  }
  out.push(Number(rest));
  return Buffer.from(out);
}

export const tag = (field: number, wireType: number): Buffer => varint(field * 8 + wireType);

/** A length-delimited field: bytes, a string (UTF-8), or parts joined. */
export function ld(field: number, value: Buffer | string | Buffer[]): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value) : Array.isArray(value) ? Buffer.concat(value) : value;
  return Buffer.concat([tag(field, LENGTH_DELIMITED), varint(bytes.length), bytes]);
}

export const varintField = (field: number, value: number | bigint): Buffer => Buffer.concat([tag(field, VARINT), varint(value)]);

export function fixed32Field(field: number, value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32LE(value >>> 0);
  return Buffer.concat([tag(field, FIXED32), bytes]);
}

export function fixed64Field(field: number, value: bigint): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64LE(BigInt.asUintN(64, value));
  return Buffer.concat([tag(field, FIXED64), bytes]);
}

/** Varints back to back: a packed repeated field's value. */
export const packed = (values: readonly (number | bigint)[]): Buffer => Buffer.concat(values.map(varint));

/** ModelInferRequest.InferInputTensor as bytes: name, datatype, shape, then `extra` fields. */
export function inputTensor(name: string | Buffer, datatype: string | Buffer, shape: readonly (number | bigint)[], extra: Buffer[] = []): Buffer {
  return Buffer.concat([ld(1, name), ld(2, datatype), ld(3, packed(shape)), ...extra]);
}

/** A map<string, InferParameter> entry (key 1, value 2) whose value is `parameter` (InferParameter's bytes). */
export const parameterEntry = (field: number, key: string | Buffer, parameter: Buffer): Buffer => ld(field, [ld(1, key), ld(2, parameter)]);
