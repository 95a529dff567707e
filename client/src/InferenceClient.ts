/** Typed TypeScript client for the Open Inference Protocol (gateway or runner). */
import * as grpc from '@grpc/grpc-js';
import {
  clientChannelOptions,
  clientSecurity,
  decodeContents,
  decodeRaw,
  elementCount,
  encodeContents,
  encodeRaw,
  isDatatype,
  unaryCall as unary,
  type ClientSecurity,
  type Datatype,
  type HostTensor,
  type TensorData,
} from '@infermesh/common';
import {
  inferenceProto,
  type GRPCInferenceServiceClient,
  type ModelInferRequest,
  type ModelInferResponse__Output,
  type ModelMetadataResponse__Output,
} from '@infermesh/proto';

/** One input: datatype, shape and row-major data (BOOL as 0/1 bytes, FP16 as Uint16 bits, BYTES as strings). */
export interface InputTensor {
  datatype: Datatype;
  shape: number[];
  data: TensorData;
}

/** Options of one inference. */
export interface InferOptions {
  /** Model version; empty or absent lets the server choose. */
  version?: string;
  /** Request id, echoed in the response. */
  id?: string;
  /** Outputs to return; absent returns every output. */
  outputs?: string[];
  /** Send typed `contents` instead of raw bytes (raw is the default and faster). */
  typedContents?: boolean;
  /** Deadline in milliseconds from now. */
  timeoutMs?: number;
  /** Extra gRPC metadata (headers). */
  metadata?: Record<string, string>;
}

/** A decoded response. */
export interface InferResult {
  modelName: string;
  modelVersion: string;
  id: string;
  /** Outputs by name, in response order. */
  outputs: Record<string, HostTensor>;
}

/** Client options: `credentials` for TLS (plaintext without), `token` sent as a bearer token. */
export interface InferenceClientOptions extends ClientSecurity {
  /** Largest message in either direction; default 64 MiB. */
  maxMessageBytes?: number;
  /** More grpc-js channel options, applied last (e.g. a `grpc.service_config` with `round_robin` over an `ipv4:a,b` target). */
  channelOptions?: grpc.ChannelOptions;
}

export class InferenceClient {
  /** The generated stub, for calls this class does not wrap. */
  readonly stub: GRPCInferenceServiceClient;

  constructor(address: string, options: InferenceClientOptions = {}) {
    const { credentials, options: secure } = clientSecurity(options);
    this.stub = new inferenceProto.GRPCInferenceService(address, credentials, {
      ...clientChannelOptions(options.maxMessageBytes ?? 64 * 1024 * 1024),
      ...secure,
      ...options.channelOptions,
    });
  }

  async serverLive(): Promise<boolean> {
    return (await unary<{ live: boolean }>((done) => this.stub.ServerLive({}, done))).live;
  }

  async serverReady(): Promise<boolean> {
    return (await unary<{ ready: boolean }>((done) => this.stub.ServerReady({}, done))).ready;
  }

  async modelReady(name: string, version = ''): Promise<boolean> {
    return (await unary<{ ready: boolean }>((done) => this.stub.ModelReady({ name, version }, done))).ready;
  }

  serverMetadata(): Promise<{ name: string; version: string; extensions: string[] }> {
    return unary((done) => this.stub.ServerMetadata({}, done));
  }

  modelMetadata(name: string, version = ''): Promise<ModelMetadataResponse__Output> {
    return unary((done) => this.stub.ModelMetadata({ name, version }, done));
  }

  /** Runs one inference; rejects with the server's gRPC error (`code`, `details`). */
  async infer(model: string, inputs: Record<string, InputTensor>, options: InferOptions = {}): Promise<InferResult> {
    const request = buildInferRequest(model, inputs, options);
    const metadata = new grpc.Metadata();
    for (const [key, value] of Object.entries(options.metadata ?? {})) metadata.set(key, value);
    const callOptions: grpc.CallOptions = options.timeoutMs === undefined ? {} : { deadline: Date.now() + options.timeoutMs };
    const response = await unary<ModelInferResponse__Output>((done) => this.stub.ModelInfer(request, metadata, callOptions, done));
    return decodeInferResponse(response);
  }

  close(): void {
    this.stub.close();
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
  return { modelName: response.model_name, modelVersion: response.model_version, id: response.id, outputs };
}
