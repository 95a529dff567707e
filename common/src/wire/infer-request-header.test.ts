import { describe, expect, it } from 'vitest';
import { inferenceProto, type ModelInferRequest__Output } from '@infermesh/proto';
import { DEFAULT_REQUEST_LIMITS } from '../config/limits-config.js';
import { checkInferRequest } from './check-infer-request.js';
import { readInferRequestHeader } from './infer-request-header.js';

const { service } = inferenceProto.GRPCInferenceService;
const serializeRequest = service.ModelInfer.requestSerialize;
const decodeWithProtobufjs = (bytes: Buffer) => service.ModelInfer.requestDeserialize(bytes) as ModelInferRequest__Output;

/** Field 1 (model_name) as fixed32 holding 'B', then field 3 (id) as a varint: the routing confusion of issue 22. */
const WRONG_WIRE_TYPES = Buffer.from([0x0d, 0x01, 0x42, 0x18, 0x00]);

describe('readInferRequestHeader', () => {
  it('reads the routing fields of a request with tensors, parameters and raw contents', () => {
    const bytes = serializeRequest({
      model_name: 'mlp',
      model_version: '2',
      id: 'req-é-1',
      parameters: { timeout: { int64_param: 5 }, big: { uint64_param: '18446744073709551615' }, d: { double_param: 0.5 } },
      inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 64], contents: { fp32_contents: [1.5] } }],
      raw_input_contents: [Buffer.alloc(300_000, 7)],
    });
    expect(readInferRequestHeader(bytes)).toEqual({ modelName: 'mlp', modelVersion: '2', id: 'req-é-1', sequenceStart: false, sequenceEnd: false });
  });

  it('gives empty strings for absent fields', () => {
    expect(readInferRequestHeader(serializeRequest({ model_name: 'simple' }))).toEqual({
      modelName: 'simple',
      modelVersion: '',
      id: '',
      sequenceStart: false,
      sequenceEnd: false,
    });
  });

  it('rejects truncated and garbage messages with INVALID_ARGUMENT', () => {
    const bytes = serializeRequest({ model_name: 'simple', raw_input_contents: [Buffer.alloc(64)] });
    expect(() => readInferRequestHeader(bytes.subarray(0, bytes.length - 3))).toThrowError(
      expect.objectContaining({ code: 3, details: 'request is not a valid ModelInferRequest message' }),
    );
    expect(() => readInferRequestHeader(Buffer.from([0x0f, 0xff, 0xff]))).toThrowError(/not a valid/);
  });

  it.each([
    ['field 1 as fixed32 then field 3 as a varint', WRONG_WIRE_TYPES, /field 1 \(model_name\) has wire type 5 \(fixed32\), expected 2 \(length-delimited\)/],
    ['field 2 as a varint', Buffer.from([0x10, 0x07]), /field 2 \(model_version\) has wire type 0 \(varint\)/],
    ['field 3 as fixed64', Buffer.from([0x19, 1, 2, 3, 4, 5, 6, 7, 8]), /field 3 \(id\) has wire type 1 \(fixed64\)/],
  ])('refuses a routing field with the wrong wire type (%s) with INVALID_ARGUMENT naming it', (_case, suffix, details) => {
    const bytes = Buffer.concat([serializeRequest({ model_name: 'A', raw_input_contents: [Buffer.alloc(8)] }), suffix]);
    expect(() => readInferRequestHeader(bytes)).toThrowError(expect.objectContaining({ code: 3, details: expect.stringMatching(details) }));
  });

  it.each([
    ['model_name', 1],
    ['model_version', 2],
    ['id', 3],
  ])('refuses %s that is not UTF-8 with INVALID_ARGUMENT naming it (a decoder would make other characters of it)', (name, field) => {
    const bytes = Buffer.concat([serializeRequest({ model_name: 'simple' }), Buffer.from([(field << 3) | 2, 3, 0x41, 0xff, 0xfe])]);
    expect(() => readInferRequestHeader(bytes)).toThrowError(expect.objectContaining({ code: 3, details: `ModelInferRequest field ${field} (${name}) is not valid UTF-8` }));
    expect(() => checkInferRequest(bytes, DEFAULT_REQUEST_LIMITS)).toThrowError(expect.objectContaining({ details: `ModelInferRequest field ${field} (${name}) is not valid UTF-8` }));
  });

  it('takes the last occurrence of a repeated routing field, as protobufjs decodes it', () => {
    const bytes = Buffer.concat([
      serializeRequest({ model_name: 'A', model_version: '1', id: 'x' }),
      serializeRequest({ model_name: 'B', model_version: '2', id: 'y', raw_input_contents: [Buffer.alloc(4)] }),
      serializeRequest({ model_name: 'C' }),
    ]);
    const decoded = decodeWithProtobufjs(bytes);
    expect(readInferRequestHeader(bytes)).toMatchObject({ modelName: decoded.model_name, modelVersion: decoded.model_version, id: decoded.id });
    expect(readInferRequestHeader(bytes)).toMatchObject({ modelName: 'C', modelVersion: '2', id: 'y' });
  });

  it.each([
    [{ sequence_id: { uint64_param: '18446744073709551615' }, sequence_start: { bool_param: true } }, { sequenceId: '18446744073709551615', sequenceStart: true, sequenceEnd: false }],
    [{ sequence_id: { int64_param: 7 }, sequence_end: { bool_param: true } }, { sequenceId: '7', sequenceStart: false, sequenceEnd: true }],
    [{ sequence_id: { string_param: 'user-42' }, sequence_start: { bool_param: false } }, { sequenceId: 'user-42', sequenceStart: false, sequenceEnd: false }],
    // Triton: sequence id 0 is no sequence.
    [{ sequence_id: { uint64_param: 0 } }, { sequenceStart: false, sequenceEnd: false }],
  ])("reads Triton's sequence parameters %o", (parameters, expected) => {
    const header = readInferRequestHeader(serializeRequest({ model_name: 'acc', parameters, raw_input_contents: [Buffer.alloc(4)] }));
    expect(header).toEqual({ modelName: 'acc', modelVersion: '', id: '', ...expected });
  });

  it('refuses sequence parameters of the wrong kind, naming them', () => {
    expect(() => readInferRequestHeader(serializeRequest({ model_name: 'acc', parameters: { sequence_start: { int64_param: 1 } } }))).toThrow(
      "parameter 'sequence_start': expected a bool_param",
    );
    expect(() => readInferRequestHeader(serializeRequest({ model_name: 'acc', parameters: { sequence_id: { string_param: '' } } }))).toThrow(
      "parameter 'sequence_id': expected a uint64, int64 or non-empty string",
    );
  });
});
