import { describe, expect, it } from 'vitest';
import { inferenceProto } from '@infermesh/proto';
import { readInferRequestHeader, wrapStreamResponse } from './wire.js';

const { service } = inferenceProto.GRPCInferenceService;
const serializeRequest = service.ModelInfer.requestSerialize;
const serializeResponse = service.ModelInfer.responseSerialize;
const deserializeStream = service.ModelStreamInfer.responseDeserialize;

describe('gateway wire format', () => {
  it('reads the routing fields of a request with tensors, parameters and raw contents', () => {
    const bytes = serializeRequest({
      model_name: 'mlp',
      model_version: '2',
      id: 'req-é-1',
      parameters: { timeout: { int64_param: 5 }, big: { uint64_param: '18446744073709551615' }, d: { double_param: 0.5 } },
      inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 64], contents: { fp32_contents: [1.5] } }],
      raw_input_contents: [Buffer.alloc(300_000, 7)],
    });
    expect(readInferRequestHeader(bytes)).toEqual({ modelName: 'mlp', modelVersion: '2', id: 'req-é-1' });
  });

  it('gives empty strings for absent fields', () => {
    expect(readInferRequestHeader(serializeRequest({ model_name: 'simple' }))).toEqual({
      modelName: 'simple',
      modelVersion: '',
      id: '',
    });
  });

  it('rejects truncated and garbage messages with INVALID_ARGUMENT', () => {
    const bytes = serializeRequest({ model_name: 'simple', raw_input_contents: [Buffer.alloc(64)] });
    expect(() => readInferRequestHeader(bytes.subarray(0, bytes.length - 3))).toThrowError(
      expect.objectContaining({ code: 3, details: 'request is not a valid ModelInferRequest message' }),
    );
    expect(() => readInferRequestHeader(Buffer.from([0x0f, 0xff, 0xff]))).toThrowError(/not a valid/);
  });

  it('frames response bytes as a ModelStreamInferResponse a stock decoder reads', () => {
    const response = serializeResponse({ model_name: 'simple', id: 'a', raw_output_contents: [Buffer.alloc(200, 1)] });
    const decoded = deserializeStream(wrapStreamResponse(response)) as {
      error_message: string;
      infer_response: { model_name: string; id: string; raw_output_contents: Buffer[] };
    };
    expect(decoded.error_message).toBe('');
    expect(decoded.infer_response.model_name).toBe('simple');
    expect(decoded.infer_response.id).toBe('a');
    expect(decoded.infer_response.raw_output_contents[0]!.length).toBe(200);
  });
});
