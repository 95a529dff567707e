/** config.pbtxt's inputs and outputs against the signature the registry read from the ONNX file. */
import { describe, expect, it } from 'vitest';
import { signatureMismatches } from './check-signature.js';

const spec = (name: string, datatype: string, shape: number[]) => ({ name, datatype, shape: shape.map(String) });
const file = {
  inputs: [spec('INPUT0', 'INT32', [-1, 16]), spec('INPUT1', 'INT32', [-1, 16])],
  outputs: [spec('OUTPUT0', 'INT32', [-1, 16]), spec('OUTPUT1', 'INT32', [-1, -1])],
};
const tensor = (name: string, datatype: string, dims: number[]) => ({ name, datatype, dims });
const both = [tensor('INPUT0', 'INT32', [16]), tensor('INPUT1', 'INT32', [16])];

describe('checking the signature', () => {
  it('agrees when names, datatypes, ranks and fixed dimensions match (the batch dimension left out)', () => {
    expect(signatureMismatches({ maxBatchSize: 8, inputs: both, outputs: [tensor('OUTPUT1', 'INT32', [16])] }, file)).toEqual([]);
    expect(signatureMismatches({ maxBatchSize: 0, inputs: [tensor('INPUT0', 'INT32', [-1, -1]), tensor('INPUT1', 'INT32', [4, 16])], outputs: [] }, file)).toEqual([]);
    // No input or output in config.pbtxt: nothing to check, as Triton auto-completes them.
    expect(signatureMismatches({ maxBatchSize: 0, inputs: [], outputs: [] }, file)).toEqual([]);
  });

  it('names every difference', () => {
    expect(
      signatureMismatches(
        {
          maxBatchSize: 8,
          inputs: [tensor('INPUT0', 'INT8', [8]), tensor('INPUT2', 'INT32', [16])],
          outputs: [tensor('OUTPUT0', 'INT32', [16, 1]), tensor('OUTPUT1', 'INT32', [3])],
        },
        file,
      ),
    ).toEqual([
      "input 'INPUT0': config.pbtxt says INT8, the ONNX file INT32",
      "input 'INPUT0': dimension 1 is 8 in config.pbtxt, 16 in the ONNX file ([-1,8] vs [-1,16])",
      "input 'INPUT2': not in the ONNX file (its inputs: INPUT0, INPUT1)",
      "input 'INPUT1': in the ONNX file but not in config.pbtxt",
      "output 'OUTPUT0': config.pbtxt gives 3 dimensions [-1,16,1], the ONNX file 2 [-1,16]",
    ]);
    expect(signatureMismatches({ maxBatchSize: 4, inputs: both, outputs: [] }, { ...file, inputs: [spec('INPUT0', 'INT32', [1, 16]), file.inputs[1]!] })).toEqual([
      "input 'INPUT0': max_batch_size 4 needs a variable first dimension (the batch); the ONNX file fixes it at 1",
    ]);
    // Batched: every tensor's first dimension must be the batch, listed in config.pbtxt or not.
    expect(signatureMismatches({ maxBatchSize: 4, inputs: [], outputs: [] }, { ...file, outputs: [spec('OUTPUT0', 'INT32', [2, 16]), spec('SCALAR', 'INT32', [])] })).toEqual([
      "output 'OUTPUT0': max_batch_size 4 needs a variable first dimension (the batch); the ONNX file fixes it at 2",
      "output 'SCALAR': max_batch_size 4 needs a variable first dimension (the batch); the ONNX file makes it a scalar",
    ]);
    expect(signatureMismatches({ maxBatchSize: 0, inputs: [{ ...both[0]!, dims: [16], reshape: [1, 16] }, both[1]!], outputs: [] }, file)[0]).toBe(
      "input 'INPUT0': config.pbtxt gives 1 dimensions [16], the ONNX file 2 [-1,16] (config.pbtxt reshapes it to [1,16]; infermesh does not reshape)",
    );
  });
});
