/** ModelInfer messages to and from host tensors: the request a call sends, the result it decodes. */
import type { ModelInferRequest, ModelInferResponse__Output } from '@infermesh/proto';
import type { CallControl } from './call-control.js';
import { isDatatype, type Datatype } from './tensor/datatypes.js';
import { elementCount, type HostTensor, type TensorData } from './tensor/HostTensor.js';
import { decodeContents, decodeRaw, encodeContents, encodeRaw } from './tensor/tensor-codec.js';
import type { TypedHostTensor } from './tensor/typed-data.js';

/** One input: datatype, shape and row-major data (BOOL as 0/1 bytes, FP16 as Uint16 bits, BYTES as strings). */
export interface InputTensor {
  datatype: Datatype;
  shape: number[];
  data: TensorData;
}

/** Options of one inference: what to ask for, and the call's deadline, cancellation and metadata. */
export interface InferOptions extends CallControl {
  /** Model version; empty or absent lets the server choose. */
  version?: string;
  /** Request id, echoed in the response. */
  id?: string;
  /** Outputs to return; absent returns every output. */
  outputs?: string[];
  /** Send typed `contents` instead of raw bytes (raw is the default and faster). */
  typedContents?: boolean;
  /**
   * Queue priority, sent as Triton clients send it (request parameter `priority`, uint64):
   * 1 is the highest level, 0 or absent the model's default.
   */
  priority?: number;
}

/** A decoded response. */
export class InferResult {
  constructor(
    readonly modelName: string,
    readonly modelVersion: string,
    readonly id: string,
    /** Outputs by name, in response order. */
    readonly outputs: Record<string, HostTensor>,
  ) {}

  /**
   * The output `name`, its data typed by `datatype` (`output('OUTPUT0', 'INT32').data` is an
   * Int32Array); throws when the response has no such output or it has another datatype.
   */
  output<D extends Datatype>(name: string, datatype: D): TypedHostTensor<D> {
    const tensor = this.outputs[name];
    if (!tensor) throw new Error(`the response has no output '${name}' (it has ${Object.keys(this.outputs).join(', ') || 'none'})`);
    if (tensor.datatype !== datatype) throw new Error(`output '${name}' is ${tensor.datatype}, not ${datatype}`);
    return tensor as TypedHostTensor<D>;
  }
}

/** Builds a ModelInferRequest from host tensors. */
export function buildInferRequest(model: string, inputs: Record<string, InputTensor>, options: InferOptions = {}): ModelInferRequest {
  const entries = Object.entries(inputs);
  const request: ModelInferRequest = {
    model_name: model,
    model_version: options.version ?? '',
    id: options.id ?? '',
    inputs: entries.map(([name, tensor]) => ({
      name,
      datatype: tensor.datatype,
      shape: tensor.shape,
      ...(options.typedContents ? { contents: encodeContents(tensor.datatype, tensor.data) } : {}),
    })),
    outputs: (options.outputs ?? []).map((name) => ({ name })),
    ...(options.priority ? { parameters: { priority: { uint64_param: options.priority } } } : {}),
  };
  if (!options.typedContents) request.raw_input_contents = entries.map(([, tensor]) => encodeRaw(tensor.data));
  return request;
}

/** Decodes a ModelInferResponse, raw or typed, into host tensors. */
export function decodeInferResponse(response: ModelInferResponse__Output): InferResult {
  const outputs: Record<string, HostTensor> = {};
  response.outputs.forEach((output, index) => {
    if (!isDatatype(output.datatype)) throw new Error(`output '${output.name}' has unknown datatype '${output.datatype}'`);
    const shape = output.shape.map(Number);
    const count = elementCount(shape);
    const raw = response.raw_output_contents[index];
    const data = raw
      ? decodeRaw(output.name, output.datatype, count, raw)
      : decodeContents(output.name, output.datatype, count, output.contents!);
    outputs[output.name] = { name: output.name, datatype: output.datatype, shape, data };
  });
  return new InferResult(response.model_name, response.model_version, response.id, outputs);
}
