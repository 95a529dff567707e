import { describe, expect, it } from 'vitest';
import { inferenceProto, type ModelInferResponse, type ModelInferResponse__Output } from '@infermesh/proto';
import { DEFAULT_REQUEST_LIMITS } from '@infermesh/common';
import { encodeInferResponse } from './encode-infer-response.js';
import { runnerInferenceService } from './inference-service.js';

const { ModelInfer } = inferenceProto.GRPCInferenceService.service;
const decode = (bytes: Buffer): ModelInferResponse__Output => ModelInfer.responseDeserialize(bytes) as ModelInferResponse__Output;

describe('encodeInferResponse', () => {
  it('writes what protobufjs writes for a raw response, as protobufjs reads it', () => {
    const response: ModelInferResponse = {
      model_name: 'simple',
      model_version: '12',
      id: 'request-é-1',
      outputs: [
        { name: 'OUTPUT0', datatype: 'INT32', shape: [1, 16] },
        { name: 'big', datatype: 'FP32', shape: [300, 0, 2 ** 40] },
        { name: 'scalar', datatype: 'FP64', shape: [] },
      ],
      raw_output_contents: [Buffer.from(Int32Array.from({ length: 16 }, (_, i) => i - 8).buffer), Buffer.alloc(0), Buffer.alloc(200, 7)],
    };
    const bytes = encodeInferResponse(response)!;
    expect(decode(bytes)).toEqual(decode(ModelInfer.responseSerialize(response)));
  });

  it('leaves out empty strings and answers an empty message for an empty response', () => {
    expect(encodeInferResponse({})!.length).toBe(0);
    const bytes = encodeInferResponse({ model_name: 'm', outputs: [{ name: 'y', datatype: 'BYTES', shape: [1] }], raw_output_contents: [Buffer.from([1, 0, 0, 0, 120])] })!;
    expect(decode(bytes)).toMatchObject({ model_name: 'm', model_version: '', id: '', outputs: [{ name: 'y', datatype: 'BYTES', shape: ['1'] }] });
  });

  it('declines what is not in the raw form, so that protobufjs writes it', () => {
    expect(encodeInferResponse({ outputs: [{ name: 'y', datatype: 'INT32', shape: [1], contents: { int_contents: [1] } }] })).toBeUndefined();
    expect(encodeInferResponse({ parameters: { p: { bool_param: true } } })).toBeUndefined();
    expect(encodeInferResponse({ outputs: [{ name: 'y', datatype: 'INT64', shape: ['3'] }] })).toBeUndefined();
    expect(encodeInferResponse({ outputs: [{ name: 'y', datatype: 'INT64', shape: [-1] }] })).toBeUndefined();
  });

  it('is what the runner serializes ModelInfer responses with, typed contents included', () => {
    const serialize = runnerInferenceService(DEFAULT_REQUEST_LIMITS).ModelInfer.responseSerialize;
    const typed: ModelInferResponse = { model_name: 'simple', outputs: [{ name: 'y', datatype: 'INT32', shape: [2], contents: { int_contents: [3, -4] } }] };
    expect(decode(serialize(typed))).toEqual(decode(ModelInfer.responseSerialize(typed)));
    const raw: ModelInferResponse = { model_name: 'simple', outputs: [{ name: 'y', datatype: 'INT32', shape: [1] }], raw_output_contents: [Buffer.from([1, 2, 3, 4])] };
    expect(serialize(raw).equals(encodeInferResponse(raw)!)).toBe(true);
  });
});
