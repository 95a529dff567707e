import { describe, expect, it } from 'vitest';
import { inferenceProto } from '@infermesh/proto';
import { wrapStreamResponse } from './wire.js';

const { service } = inferenceProto.GRPCInferenceService;
const serializeResponse = service.ModelInfer.responseSerialize;
const deserializeStream = service.ModelStreamInfer.responseDeserialize;

describe('gateway wire format', () => {
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
