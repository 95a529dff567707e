import { describe, expect, it } from 'vitest';
import { signatureDifference } from './signature-difference.js';

const spec = (name: string, datatype: string, shape: number[]) => ({ name, datatype, shape });
const mlp = { version: 1, inputs: [spec('input', 'FP32', [-1, 64])], outputs: [spec('output', 'FP32', [-1, 10])] };
const other = (version: number, changes: Partial<typeof mlp>) => ({ ...mlp, version, ...changes });

describe('signatureDifference', () => {
  it('takes equal names and datatypes with dimensions equal or -1 on either side', () => {
    expect(signatureDifference(mlp, other(2, {}))).toBeUndefined();
    expect(signatureDifference(mlp, other(2, { inputs: [spec('input', 'FP32', [8, -1])] }))).toBeUndefined();
  });

  it('names the first difference: inputs first, then outputs', () => {
    const cases: [Partial<typeof mlp>, string][] = [
      [{ inputs: [spec('x', 'FP32', [-1, 64])] }, "input 'input' is FP32 [-1,64] in v1 but v2 has no such input"],
      [{ inputs: [spec('input', 'FP64', [-1, 64])] }, "input 'input' is FP32 [-1,64] in v1 but FP64 [-1,64] in v2"],
      [{ inputs: [spec('input', 'FP32', [-1, 64, 1])] }, "input 'input' is FP32 [-1,64] in v1 but FP32 [-1,64,1] in v2"],
      [{ inputs: [spec('input', 'FP32', [-1, 64]), spec('mask', 'BOOL', [-1])] }, "v2 has input 'mask' (BOOL [-1]), which v1 has not"],
      [{ outputs: [spec('output', 'FP32', [-1, 12])] }, "output 'output' is FP32 [-1,10] in v1 but FP32 [-1,12] in v2"],
    ];
    for (const [changes, expected] of cases) expect(signatureDifference(mlp, other(2, changes))).toBe(expected);
  });
});
