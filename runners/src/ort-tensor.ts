/**
 * Wire tensors to onnxruntime tensors and back. FP16 travels as Uint16Array bit patterns.
 * Where the JavaScript engine has Float16Array (Node 24), onnxruntime-common 1.30 wraps such
 * data in a Float16Array, which onnxruntime-node's native binding cannot read (the run fails
 * with "not enough space: expected N, got 0"), and hands FP16 outputs back as Float16Array:
 * here inputs keep their Uint16Array and outputs become Uint16Array views of the same bytes,
 * as on Node 20 and 22.
 */
import * as ort from 'onnxruntime-node';
import type { WireTensor } from './session-protocol.js';

/** The onnxruntime tensor of `wire`, its data not copied. */
export function toOrtTensor(wire: WireTensor): ort.Tensor {
  const tensor = new ort.Tensor(wire.type, wire.data, wire.dims);
  if (wire.type === 'float16' && tensor.data !== wire.data) {
    // onnxruntime-common's own field for CPU data (what `tensor.data` returns).
    (tensor as unknown as { cpuData: unknown }).cpuData = wire.data;
  }
  return tensor;
}

/** The wire form of an onnxruntime output, its data not copied. */
export function fromOrtTensor(tensor: ort.Tensor): WireTensor {
  let data = tensor.data as WireTensor['data'] | ArrayBufferView;
  if (tensor.type === 'float16' && !(data instanceof Uint16Array)) {
    const view = data as ArrayBufferView;
    data = new Uint16Array(view.buffer, view.byteOffset, view.byteLength / 2);
  }
  return { type: tensor.type as WireTensor['type'], data: data as WireTensor['data'], dims: [...tensor.dims] };
}
