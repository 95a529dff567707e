import { describe, expect, it } from 'vitest';
import { inferenceProto, type ModelInferRequest, type ModelInferRequest__Output } from '@infermesh/proto';
import { DEFAULT_REQUEST_LIMITS } from '@infermesh/common';
import { runnerInferenceService } from './inference-service.js';
import { readInferRequest } from './read-infer-request.js';

const { ModelInfer } = inferenceProto.GRPCInferenceService.service;
const protobufjs = (bytes: Buffer): ModelInferRequest__Output => ModelInfer.requestDeserialize(bytes) as ModelInferRequest__Output;

const raw: ModelInferRequest = {
  model_name: 'simple',
  model_version: '3',
  id: 'req-ü-7',
  inputs: [
    { name: 'INPUT0', datatype: 'INT32', shape: [1, 16] },
    { name: 'INPUT1', datatype: 'FP32', shape: [0, 2 ** 40, 5] },
    { name: 'scalar', datatype: 'FP64', shape: [] },
  ],
  outputs: [{ name: 'OUTPUT0' }, { name: '' }],
  raw_input_contents: [Buffer.alloc(64, 1), Buffer.alloc(0), Buffer.from([1, 2, 3, 4, 5, 6, 7, 8])],
};

/** Hand-made wire bytes: a length-delimited field. */
const field = (number: number, value: Buffer): Buffer => Buffer.concat([Buffer.from([(number << 3) | 2, value.length]), value]);

describe('readInferRequest', () => {
  it('reads a raw request into what protobufjs makes of it', () => {
    const bytes = ModelInfer.requestSerialize(raw);
    expect(readInferRequest(bytes)).toEqual(protobufjs(bytes));
    expect(readInferRequest(ModelInfer.requestSerialize({}))).toEqual(protobufjs(Buffer.alloc(0)));
  });

  it('hands out raw contents as views of the received buffer', () => {
    const bytes = ModelInfer.requestSerialize(raw);
    const contents = readInferRequest(bytes)!.raw_input_contents[0]!;
    expect(contents.buffer).toBe(bytes.buffer);
    expect(contents.equals(Buffer.alloc(64, 1))).toBe(true);
  });

  it('reads unpacked shapes as protobufjs does', () => {
    const input = Buffer.concat([field(1, Buffer.from('x')), Buffer.from([3 << 3, 2, 3 << 3, 0x80, 0x01])]);
    const bytes = field(5, input);
    expect(readInferRequest(bytes)).toEqual(protobufjs(bytes));
    expect(readInferRequest(bytes)!.inputs[0]!.shape).toEqual(['2', '128']);
  });

  it('leaves parameters, typed contents, negative dims and unknown fields to protobufjs', () => {
    const declined: ModelInferRequest[] = [
      { ...raw, parameters: { timeout: { int64_param: 5 } } },
      { inputs: [{ name: 'x', datatype: 'INT32', shape: [1], contents: { int_contents: [1] } }] },
      { inputs: [{ name: 'x', datatype: 'INT32', shape: [1], parameters: { p: { bool_param: true } } }] },
      { outputs: [{ name: 'y', parameters: { p: { bool_param: true } } }] },
      { inputs: [{ name: 'x', datatype: 'INT32', shape: [-1] }] },
    ];
    for (const request of declined) expect(readInferRequest(ModelInfer.requestSerialize(request))).toBeUndefined();
    expect(readInferRequest(Buffer.concat([ModelInfer.requestSerialize(raw), field(15, Buffer.from('extra'))]))).toBeUndefined();
  });

  it('declines malformed bytes without throwing: truncated, overlong lengths, wrong wire types, garbage', () => {
    const bytes = ModelInfer.requestSerialize(raw);
    for (let cut = 1; cut < bytes.length; cut += 7) expect(() => readInferRequest(bytes.subarray(0, cut))).not.toThrow();
    expect(readInferRequest(bytes.subarray(0, bytes.length - 1))).toBeUndefined();
    expect(readInferRequest(Buffer.from([(1 << 3) | 2, 50, 0x61]))).toBeUndefined();
    expect(readInferRequest(Buffer.from([(1 << 3) | 0, 5]))).toBeUndefined();
    expect(readInferRequest(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]))).toBeUndefined();
    for (let seed = 1; seed < 200; seed++) {
      const noise = Buffer.from(Array.from({ length: 40 }, (_, i) => (seed * 7919 + i * 104729) % 256));
      expect(() => readInferRequest(noise)).not.toThrow();
    }
  });

  it('is what the runner reads both infer methods with, falling back to protobufjs', () => {
    const service = runnerInferenceService(DEFAULT_REQUEST_LIMITS);
    const bytes = ModelInfer.requestSerialize(raw);
    expect(service.ModelInfer.requestDeserialize(bytes)).toEqual(protobufjs(bytes));
    expect(service.ModelStreamInfer.requestDeserialize(bytes)).toEqual(protobufjs(bytes));
    const typed = ModelInfer.requestSerialize({ ...raw, parameters: { timeout: { int64_param: 5 } } });
    expect(service.ModelInfer.requestDeserialize(typed)).toEqual(protobufjs(typed));
    // Malformed bytes (protobufjs would throw and grpc-js answer INTERNAL) reach the handler as a refused request.
    for (const bad of [Buffer.from([(1 << 3) | 2, 50]), Buffer.from([0xff, 0xff]), bytes.subarray(0, 20)]) {
      expect(service.ModelInfer.requestDeserialize(bad)).toMatchObject({ inputs: [], raw_input_contents: [] });
    }
  });
});
