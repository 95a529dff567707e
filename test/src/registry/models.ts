/**
 * Models for registry tests, all with the `mlp` signature (input FP32 [-1,64] → output FP32
 * [-1,10]) so that any of them can be a version of the same model: one that takes long to
 * compute, and one that fails at run time on valid input.
 */
import { DataType, floatInitializer, node, serializeModel, valueInfo, type Onnx } from '@infermesh/testkit';

const WIDTH = 1024;

/** Weights whose columns sum to about `scale`: half on the diagonal, half spread, so values stay bounded over many layers. */
function weights(rows: number, columns: number, scale: number): Float32Array {
  return Float32Array.from({ length: rows * columns }, (_, i) => ((i % (columns + 1) === 0 ? 0.5 : 0) + ((i * 7919) % 13) / (6.5 * rows)) * scale);
}

/**
 * `mlp`-shaped but compute-heavy: 64 → 1024, then `layers` × (1024×1024 MatMul) sharing one
 * weight, then 1024 → 10. About 2 MFLOP per layer per row.
 */
export function slowMlpModel(layers: number): Uint8Array {
  const nodes: Onnx.INodeProto[] = [node('MatMul', ['input', 'W_in'], ['h0'])];
  for (let i = 0; i < layers; i++) nodes.push(node('MatMul', [`h${i}`, 'W'], [`h${i + 1}`]));
  nodes.push(node('MatMul', [`h${layers}`, 'W_out'], ['output']));
  return serializeModel({
    name: `slow_mlp_${layers}`,
    nodes,
    inputs: [valueInfo('input', DataType.FLOAT, [-1, 64])],
    outputs: [valueInfo('output', DataType.FLOAT, [-1, 10])],
    initializers: [
      floatInitializer('W_in', [64, WIDTH], weights(64, WIDTH, 0.1)),
      floatInitializer('W', [WIDTH, WIDTH], weights(WIDTH, WIDTH, 1)),
      floatInitializer('W_out', [WIDTH, 10], weights(WIDTH, 10, 0.1)),
    ],
  });
}

/**
 * `mlp`-shaped, but every run fails inside onnxruntime: the input passes the runner's checks,
 * then a Reshape to [7, 7] cannot hold its 64 values per row.
 */
export function failingMlpModel(): Uint8Array {
  const shape: Onnx.ITensorProto = { name: 'bad_shape', dataType: DataType.INT64, dims: [2], int64Data: [7, 7] };
  return serializeModel({
    name: 'failing_mlp',
    nodes: [node('Reshape', ['input', 'bad_shape'], ['reshaped']), node('MatMul', ['reshaped', 'W'], ['output'])],
    inputs: [valueInfo('input', DataType.FLOAT, [-1, 64])],
    outputs: [valueInfo('output', DataType.FLOAT, [-1, 10])],
    initializers: [shape, floatInitializer('W', [7, 10], new Float32Array(70).fill(0.1))],
  });
}

/** One `mlp` request: batch 1 of 64 values. */
export const mlpInput = () => ({ input: { datatype: 'FP32' as const, shape: [1, 64], data: new Float32Array(64).fill(0.25) } });
