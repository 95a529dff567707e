/**
 * Minimal helpers for assembling ONNX graphs with `onnx-proto`.
 *
 * Only what the example models need: plain nodes (no attributes), tensor
 * value infos with symbolic dims, float32 initializers, and serialization.
 */
import onnxProto from 'onnx-proto';
import type { onnx as Onnx } from 'onnx-proto';

// onnx-proto is CommonJS and Node cannot detect its named exports from ESM.
const { onnx } = onnxProto;

/** ONNX `TensorProto.DataType` enum (FLOAT = 1, INT32 = 6, STRING = 8, ...). */
export const DataType = onnx.TensorProto.DataType;
/** A value of the ONNX `TensorProto.DataType` enum. */
export type DataType = Onnx.TensorProto.DataType;
/** The `onnx` namespace types, for callers that assemble their own graphs. */
export type { Onnx };

/** A dimension: a fixed size, a symbolic name, or -1 (shorthand for "batch"). */
export type Dim = number | string;

/** Everything needed to serialize a single-graph model. */
export interface GraphSpec {
  name: string;
  nodes: Onnx.INodeProto[];
  inputs: Onnx.IValueInfoProto[];
  outputs: Onnx.IValueInfoProto[];
  initializers?: Onnx.ITensorProto[];
}

/** Builds a node of the default ("") domain; the name is derived from the first output. */
export function node(opType: string, inputs: string[], outputs: string[]): Onnx.INodeProto {
  return { opType, input: inputs, output: outputs, name: `${opType}_${outputs[0] ?? ''}` };
}

/**
 * Builds a tensor value info. `-1` dims become the symbolic dim "batch" and
 * string dims become symbolic dims of that name, so runtimes accept any size.
 */
export function valueInfo(name: string, elemType: DataType, dims: readonly Dim[]): Onnx.IValueInfoProto {
  const dim = dims.map((d): Onnx.TensorShapeProto.IDimension => {
    if (typeof d === 'string') return { dimParam: d };
    return d === -1 ? { dimParam: 'batch' } : { dimValue: d };
  });
  return { name, type: { tensorType: { elemType, shape: { dim } } } };
}

/** Builds a float32 initializer stored as little-endian `rawData`. */
export function floatInitializer(name: string, dims: readonly number[], values: Float32Array): Onnx.ITensorProto {
  const expected = dims.reduce((a, b) => a * b, 1);
  if (values.length !== expected) {
    throw new Error(`initializer ${name}: ${values.length} values for shape [${dims.join(',')}]`);
  }
  // DataView pins the byte order: ONNX raw data is little-endian whatever the host is.
  const raw = new Uint8Array(values.length * 4);
  const view = new DataView(raw.buffer);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return { name, dataType: DataType.FLOAT, dims: [...dims], rawData: raw };
}

/** Serializes a graph as an ONNX model (IR version 8, default-domain opset 17). */
export function serializeModel(spec: GraphSpec): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    producerName: 'infermesh',
    graph: {
      name: spec.name,
      node: spec.nodes,
      input: spec.inputs,
      output: spec.outputs,
      initializer: spec.initializers ?? [],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}
