/** What the benchmark sends and to what: the models' requests, an in-process ORT caller and a raw-bytes gRPC caller. */
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as ort from 'onnxruntime-node';
import { clientChannelOptions, encodeRaw } from '@infermesh/common';
import { inferenceProto, type ModelInferRequest, type ModelInferResponse__Output } from '@infermesh/proto';

/** A benchmarked model: its request in both forms and the outputs a response must carry. */
export interface BenchModel {
  name: string;
  /** Version folder the in-process session loads. */
  version: string;
  /** ORT feeds, the same data as the request's raw contents. */
  feeds: Record<string, ort.Tensor>;
  /** The ModelInferRequest serialized once and sent as is. */
  requestBytes: Buffer;
  outputs: readonly string[];
}

const { ModelInfer } = inferenceProto.GRPCInferenceService.service;
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
const identity = (value: Buffer): Buffer => value;

function benchModel(name: string, version: string, requestVersion: string, inputs: Record<string, Int32Array | Float32Array>, outputs: string[]): BenchModel {
  const entries = Object.entries(inputs);
  const request: ModelInferRequest = {
    model_name: name,
    model_version: requestVersion,
    inputs: entries.map(([input, data]) => ({
      name: input,
      datatype: data instanceof Int32Array ? 'INT32' : 'FP32',
      shape: [1, data.length],
    })),
    raw_input_contents: entries.map(([, data]) => encodeRaw(data)),
  };
  const feeds = Object.fromEntries(entries.map(([input, data]) => [input, new ort.Tensor(data, [1, data.length])]));
  return { name, version, feeds, requestBytes: ModelInfer.requestSerialize(request), outputs };
}

/** `simple` (INT32 [1,16] ×2, newest version) and `mlp` version 1 (FP32 [1,64]), batch 1, raw contents. */
export function benchModels(): BenchModel[] {
  const ramp = (n: number, scale: number) => Array.from({ length: n }, (_, i) => i * scale);
  return [
    benchModel('simple', '1', '', { INPUT0: Int32Array.from(ramp(16, 1)), INPUT1: Int32Array.from(ramp(16, 2)) }, ['OUTPUT0', 'OUTPUT1']),
    benchModel('mlp', '1', '1', { input: Float32Array.from(ramp(64, 1 / 64)) }, ['output']),
  ];
}

/** Throws unless `bytes` is a ModelInferResponse carrying the model's outputs as raw contents. */
export function checkInferResponse(model: BenchModel, bytes: Buffer): void {
  const response = ModelInfer.responseDeserialize(bytes) as ModelInferResponse__Output;
  const names = response.outputs.map((o) => o.name).join(',');
  if (names !== model.outputs.join(',') || response.raw_output_contents.length !== model.outputs.length) {
    throw new Error(`${model.name}: expected outputs ${model.outputs.join(',')} with raw contents, got '${names}' (${response.raw_output_contents.length} raw)`);
  }
}

/** An in-process onnxruntime session for a model, configured like a runner's (CPU, one inter-op thread). */
export async function ortSession(repository: string, model: BenchModel): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(path.join(repository, model.name, model.version, 'model.onnx'), {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    interOpNumThreads: 1,
  });
}

/** A gRPC channel to one target that sends fixed request bytes to one method and hands back raw response bytes. */
export class RawCaller {
  private readonly client: grpc.Client;

  constructor(
    address: string,
    private readonly method: string,
    private readonly bytes: Buffer,
  ) {
    this.client = new grpc.Client(address, grpc.credentials.createInsecure(), clientChannelOptions(MAX_MESSAGE_BYTES));
  }

  /** One call; resolves with the undecoded response. */
  call(): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest<Buffer, Buffer>(this.method, identity, identity, this.bytes, (error, response) =>
        error || !response ? reject(error ?? new Error('empty response')) : resolve(response),
      );
    });
  }

  close(): void {
    this.client.close();
  }
}
