import type { ModelInferResponse__Output } from '@infermesh/proto';
import { describe, expect, it } from 'vitest';
import { compareResponses, emptyComparison } from './compare-responses.js';

interface Out {
  name: string;
  datatype: string;
  shape: number[];
  raw: Uint8Array;
}

function response(...outputs: Out[]): ModelInferResponse__Output {
  return {
    model_name: 'm',
    model_version: '1',
    id: '',
    parameters: {},
    outputs: outputs.map((o) => ({ name: o.name, datatype: o.datatype, shape: o.shape.map(String), parameters: {}, contents: null })),
    raw_output_contents: outputs.map((o) => Buffer.from(o.raw.buffer, o.raw.byteOffset, o.raw.byteLength)),
  };
}

const fp32 = (name: string, shape: number[], values: number[]): Out => ({ name, datatype: 'FP32', shape, raw: new Uint8Array(Float32Array.from(values).buffer) });
const int32 = (name: string, values: number[]): Out => ({ name, datatype: 'INT32', shape: [values.length], raw: new Uint8Array(Int32Array.from(values).buffer) });

describe('compareResponses', () => {
  it('finds identical answers exact and agreeing, whatever the output order', () => {
    const a = response(int32('SUM', [1, 2]), fp32('P', [1, 2], [0.25, 0.75]));
    const b = response(fp32('P', [1, 2], [0.25, 0.75]), int32('SUM', [1, 2]));
    expect(compareResponses(a, b)).toEqual({ exact: true, agrees: true, mismatch: null, maxAbsDiff: 0, maxRelDiff: 0, argmaxRows: 1, argmaxAgreeingRows: 1 });
  });

  it('holds integer outputs to their bytes: one different element disagrees', () => {
    const result = compareResponses(response(int32('SUM', [1, 2])), response(int32('SUM', [1, 3])));
    expect(result).toMatchObject({ exact: false, agrees: false, mismatch: null, argmaxRows: 0 });
  });

  it('measures float differences and agrees while every row keeps its argmax', () => {
    const a = response(fp32('P', [2, 3], [0.1, 0.7, 0.2, 0.5, 0.3, 0.2]));
    const b = response(fp32('P', [2, 3], [0.1, 0.6, 0.3, 0.5, 0.3, 0.4]));
    const result = compareResponses(a, b);
    expect(result.exact).toBe(false);
    expect(result.agrees).toBe(true);
    expect(result.maxAbsDiff).toBeCloseTo(0.2, 6);
    expect(result.maxRelDiff).toBeCloseTo(0.5, 6);
    expect(result).toMatchObject({ argmaxRows: 2, argmaxAgreeingRows: 2 });
  });

  it('disagrees when one row changes its argmax, and counts that row', () => {
    const a = response(fp32('P', [2, 2], [0.9, 0.1, 0.4, 0.6]));
    const b = response(fp32('P', [2, 2], [0.9, 0.1, 0.6, 0.4]));
    expect(compareResponses(a, b)).toMatchObject({ agrees: false, argmaxRows: 2, argmaxAgreeingRows: 1 });
  });

  it('reads FP16, BF16 and FP64 in place', () => {
    const half = (bits: number[]): Out => ({ name: 'H', datatype: 'FP16', shape: [bits.length], raw: new Uint8Array(Uint16Array.from(bits).buffer) });
    // 1.0 and 1.5 in half precision: a difference of 0.5.
    expect(compareResponses(response(half([0x3c00, 0])), response(half([0x3e00, 0]))).maxAbsDiff).toBe(0.5);
    const bf16 = (bits: number[]): Out => ({ name: 'B', datatype: 'BF16', shape: [bits.length], raw: new Uint8Array(Uint16Array.from(bits).buffer) });
    // 1.0 and 2.0 in bfloat16.
    expect(compareResponses(response(bf16([0x3f80])), response(bf16([0x4000]))).maxAbsDiff).toBe(1);
    const fp64 = (values: number[]): Out => ({ name: 'D', datatype: 'FP64', shape: [values.length], raw: new Uint8Array(Float64Array.from(values).buffer) });
    expect(compareResponses(response(fp64([1, 4])), response(fp64([1, 3]))).maxRelDiff).toBe(0.25);
  });

  it('counts NaN against NaN as the same and NaN against a number as an infinite difference', () => {
    expect(compareResponses(response(fp32('P', [1], [NaN])), response(fp32('P', [1], [NaN]))).exact).toBe(true);
    expect(compareResponses(response(fp32('P', [1], [NaN])), response(fp32('P', [1], [1])))).toMatchObject({ maxAbsDiff: Infinity, exact: false });
  });

  it('names what mismatches: a datatype, a shape, a missing output, a short buffer', () => {
    const a = response(fp32('P', [2], [1, 2]));
    expect(compareResponses(a, response({ ...int32('P', [1, 2]) })).mismatch).toBe("output 'P': datatype FP32 against INT32");
    expect(compareResponses(a, response(fp32('P', [1, 2], [1, 2]))).mismatch).toBe("output 'P': shape [2] against [1,2]");
    expect(compareResponses(a, response(fp32('Q', [2], [1, 2]))).mismatch).toBe("output 'P' missing");
    expect(compareResponses(a, response(fp32('P', [2], [1, 2]), int32('S', [1]))).mismatch).toBe('1 outputs against 2');
    const short = response({ name: 'P', datatype: 'FP32', shape: [2], raw: new Uint8Array(4) });
    expect(compareResponses(a, short)).toMatchObject({ agrees: false, mismatch: "output 'P': 8 bytes expected, got 8 and 4" });
  });

  it('compares typed contents when an answer carries no raw outputs', () => {
    const raw = response(int32('SUM', [4, 5]));
    const typed: ModelInferResponse__Output = {
      ...raw,
      raw_output_contents: [],
      outputs: [{ ...raw.outputs[0]!, contents: { bool_contents: [], int_contents: [4, 5], int64_contents: [], uint_contents: [], uint64_contents: [], fp32_contents: [], fp64_contents: [], bytes_contents: [] } }],
    };
    expect(compareResponses(raw, typed)).toMatchObject({ exact: true, agrees: true });
  });

  it('refills the comparison it is given rather than making one', () => {
    const into = emptyComparison();
    const first = compareResponses(response(int32('S', [1])), response(int32('S', [2])), into);
    expect(first).toBe(into);
    expect(compareResponses(response(int32('S', [1])), response(int32('S', [1])), into)).toMatchObject({ exact: true, agrees: true, mismatch: null });
  });
});
