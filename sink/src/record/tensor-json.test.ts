import { describe, expect, it } from 'vitest';
import { tensorJson } from './tensor-json.js';

const raw = (values: ArrayBufferView) => Buffer.from(values.buffer, values.byteOffset, values.byteLength);

describe('tensorJson', () => {
  it('turns raw tensors into JSON values any consumer reads', () => {
    expect(tensorJson({ name: 'f', datatype: 'FP32', shape: ['2'], raw: raw(new Float32Array([1.5, -2])) })).toEqual({
      name: 'f',
      datatype: 'FP32',
      shape: [2],
      data: [1.5, -2],
    });
    expect(tensorJson({ name: 'i', datatype: 'INT64', shape: ['2'], raw: raw(new BigInt64Array([2n ** 60n, -1n])) }).data).toEqual([
      '1152921504606846976',
      '-1',
    ]);
    expect(tensorJson({ name: 'b', datatype: 'BOOL', shape: ['2'], raw: Buffer.from([1, 0]) }).data).toEqual([true, false]);
    // 1.0 and -2.0 as IEEE half floats; 1.0 as bfloat16.
    expect(tensorJson({ name: 'h', datatype: 'FP16', shape: ['2'], raw: raw(new Uint16Array([0x3c00, 0xc000])) }).data).toEqual([1, -2]);
    expect(tensorJson({ name: 'bf', datatype: 'BF16', shape: ['1'], raw: raw(new Uint16Array([0x3f80])) }).data).toEqual([1]);
    const text = Buffer.concat([Buffer.from([2, 0, 0, 0]), Buffer.from('hi')]);
    expect(tensorJson({ name: 's', datatype: 'BYTES', shape: ['1'], raw: text }).data).toEqual(['hi']);
  });

  it('reports bytes that do not fit the shape instead of data', () => {
    expect(tensorJson({ name: 'f', datatype: 'FP32', shape: ['3'], raw: Buffer.alloc(8) })).toEqual({
      name: 'f',
      datatype: 'FP32',
      shape: [3],
      error: "input 'f': expected 12 bytes of raw FP32 data (3 elements × 4), got 8",
    });
  });
});
