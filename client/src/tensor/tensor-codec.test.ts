import { describe, expect, it } from 'vitest';
import { DATATYPES, datatypeInfo, type Datatype } from './datatypes.js';
import { decodeContents, decodeRaw, emptyContents, encodeContents, encodeRaw } from './tensor-codec.js';
import type { TensorData } from './HostTensor.js';
import { TensorDataError } from './TensorDataError.js';

const samples: Record<Datatype, TensorData> = {
  BOOL: Uint8Array.of(1, 0, 1),
  UINT8: Uint8Array.of(0, 7, 255),
  UINT16: Uint16Array.of(0, 300, 65535),
  UINT32: Uint32Array.of(0, 70000, 4294967295),
  UINT64: BigUint64Array.of(0n, 1n, 18446744073709551615n),
  INT8: Int8Array.of(-128, 0, 127),
  INT16: Int16Array.of(-32768, 1, 32767),
  INT32: Int32Array.of(-2147483648, 2, 2147483647),
  INT64: BigInt64Array.of(-9223372036854775808n, 3n, 9223372036854775807n),
  FP16: Uint16Array.of(0x3c00, 0x0000, 0xc000),
  BF16: Uint16Array.of(0x3f80, 0x0000, 0xc000),
  FP32: Float32Array.of(-1.5, 0, 3.25),
  FP64: Float64Array.of(-1e300, 0, Math.PI),
  BYTES: ['a', '', 'héllo'],
};

const asArray = (data: TensorData): unknown[] => Array.from(data as ArrayLike<unknown>);

describe('tensor codec', () => {
  it.each(DATATYPES)('round-trips %s through raw bytes, from an unaligned buffer', (datatype) => {
    const raw = encodeRaw(samples[datatype]);
    const unaligned = Buffer.alloc(raw.byteLength + 1);
    raw.copy(unaligned, 1);
    const decoded = decodeRaw('X', datatype, 3, unaligned.subarray(1));
    expect(asArray(decoded)).toEqual(asArray(samples[datatype]));
  });

  it.each(DATATYPES.filter((d) => datatypeInfo(d).contentsField !== null))(
    'round-trips %s through typed contents',
    (datatype) => {
      const contents = encodeContents(datatype, samples[datatype]);
      const field = datatypeInfo(datatype).contentsField!;
      const decoded = decodeContents('X', datatype, 3, { ...emptyContents(), ...contents } as never);
      expect(asArray(decoded)).toEqual(asArray(samples[datatype]));
      expect((contents[field] as unknown[]).length).toBe(3);
    },
  );

  it('writes BYTES raw as 4-byte little-endian length + bytes', () => {
    expect([...encodeRaw(['ab', ''])]).toEqual([2, 0, 0, 0, 0x61, 0x62, 0, 0, 0, 0]);
  });

  it('rejects a raw byte length that does not match the shape, naming the input', () => {
    expect(() => decodeRaw('INPUT0', 'INT32', 16, Buffer.alloc(60))).toThrowError(
      new TensorDataError("input 'INPUT0': expected 64 bytes of raw INT32 data (16 elements × 4), got 60"),
    );
  });

  it('rejects truncated and overlong raw BYTES data', () => {
    expect(() => decodeRaw('S', 'BYTES', 2, encodeRaw(['abc']))).toThrowError(/ends after 1 of 2 elements/);
    expect(() => decodeRaw('S', 'BYTES', 1, Buffer.from([9, 0, 0, 0, 1]))).toThrowError(/declares 9 bytes but only 1 remain/);
    expect(() => decodeRaw('S', 'BYTES', 1, encodeRaw(['a', 'b']))).toThrowError(/holds 5 bytes after the 1 elements/);
  });

  it('rejects typed contents with the wrong count, out of range, or for raw-only types', () => {
    expect(() => decodeContents('A', 'FP32', 4, { ...emptyContents(), fp32_contents: [1, 2] })).toThrowError(
      "input 'A': expected 4 elements in contents.fp32_contents, got 2",
    );
    expect(() => decodeContents('B', 'INT8', 1, { ...emptyContents(), int_contents: [200] })).toThrowError(
      "input 'B': element 0 is 200, outside the INT8 range -128..127",
    );
    expect(() => decodeContents('C', 'FP16', 1, emptyContents())).toThrowError(
      "input 'C': FP16 data can only be sent in raw_input_contents",
    );
  });
});
