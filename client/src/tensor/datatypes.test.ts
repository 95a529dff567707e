import { describe, expect, it } from 'vitest';
import { CONFIG_DATATYPES, DATATYPES, configDatatype, datatypeFromConfig, datatypeFromOrt } from './datatypes.js';

describe('datatype names', () => {
  it("maps every datatype to Triton's model config name and back; BYTES is TYPE_STRING there", () => {
    for (const datatype of DATATYPES) expect(datatypeFromConfig(configDatatype(datatype))).toBe(datatype);
    expect(configDatatype('BYTES')).toBe('TYPE_STRING');
    expect(configDatatype('FP32')).toBe('TYPE_FP32');
    expect(CONFIG_DATATYPES).toHaveLength(DATATYPES.length);
    for (const name of ['TYPE_INVALID', 'TYPE_BYTES', 'FP32', 'TYPE_']) expect(datatypeFromConfig(name)).toBeUndefined();
  });

  it("reads onnxruntime's metadata names, bfloat16 included, though onnxruntime-node cannot hold it", () => {
    expect(datatypeFromOrt('float32')).toBe('FP32');
    expect(datatypeFromOrt('bfloat16')).toBe('BF16');
    expect(datatypeFromOrt('complex64')).toBeUndefined();
  });
});
