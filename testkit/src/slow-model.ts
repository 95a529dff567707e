/** A test model that is slow per byte of input, so a few small requests keep an instance busy. */
import { DataType, floatInitializer, node, serializeModel, valueInfo } from '@infermesh/common/onnx';

const WIDTH = 256;

/** input FP32 [batch,256] → `layers` × (MatMul with one shared 256×256 weight) → output. */
export function slowModel(layers = 1000): Uint8Array {
  const weight = Float32Array.from({ length: WIDTH * WIDTH }, (_, i) => (i % (WIDTH + 1) === 0 ? 1 : 0));
  const nodes = Array.from({ length: layers }, (_, i) =>
    node('MatMul', [i === 0 ? 'input' : `h${i}`, 'W'], [i === layers - 1 ? 'output' : `h${i + 1}`]),
  );
  return serializeModel({
    name: 'slow',
    nodes,
    inputs: [valueInfo('input', DataType.FLOAT, [-1, WIDTH])],
    outputs: [valueInfo('output', DataType.FLOAT, [-1, WIDTH])],
    initializers: [floatInitializer('W', [WIDTH, WIDTH], weight)],
  });
}

/** A request that keeps a `slowModel` instance busy for a few hundred milliseconds. */
export const slowInput = (rows = 1024) => ({
  input: { datatype: 'FP32' as const, shape: [rows, WIDTH], data: new Float32Array(rows * WIDTH).fill(0.5) },
});

/** A request that runs at once. */
export const quickInput = () => ({ input: { datatype: 'FP32' as const, shape: [1, WIDTH], data: new Float32Array(WIDTH).fill(0.5) } });
