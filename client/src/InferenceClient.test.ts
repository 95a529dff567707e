import { describe, expect, it } from 'vitest';
import { inferenceProto, type ModelInferResponse__Output } from '@infermesh/proto';
import { buildInferRequest, decodeInferResponse } from './infer-messages.js';

const { service } = inferenceProto.GRPCInferenceService;

/** What a server would see / what the client would receive, through the real protobuf codec. */
const overTheWire = {
  request: (value: object) => service.ModelInfer.requestDeserialize(service.ModelInfer.requestSerialize(value)),
  response: (value: object) =>
    service.ModelInfer.responseDeserialize(service.ModelInfer.responseSerialize(value)) as ModelInferResponse__Output,
};

describe('InferenceClient request and response codec', () => {
  it('builds raw requests: one raw entry per input, in input order', () => {
    const request = overTheWire.request(
      buildInferRequest(
        'simple',
        {
          INPUT0: { datatype: 'INT32', shape: [1, 2], data: Int32Array.of(1, -2) },
          INPUT1: { datatype: 'BYTES', shape: [1], data: ['hé'] },
        },
        { id: 'x', version: '3', outputs: ['OUTPUT1'] },
      ),
    ) as { model_version: string; id: string; inputs: { name: string; shape: string[] }[]; raw_input_contents: Buffer[]; outputs: { name: string }[] };
    expect(request.model_version).toBe('3');
    expect(request.id).toBe('x');
    expect(request.inputs.map((i) => [i.name, i.shape])).toEqual([
      ['INPUT0', ['1', '2']],
      ['INPUT1', ['1']],
    ]);
    expect([...request.raw_input_contents[0]!]).toEqual([1, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff]);
    expect([...request.raw_input_contents[1]!]).toEqual([3, 0, 0, 0, 0x68, 0xc3, 0xa9]);
    expect(request.outputs).toEqual([{ name: 'OUTPUT1', parameters: {} }]);
  });

  it('builds typed requests with no raw contents', () => {
    const request = overTheWire.request(
      buildInferRequest('m', { X: { datatype: 'INT64', shape: [2], data: BigInt64Array.of(-1n, 2n ** 62n) } }, { typedContents: true }),
    ) as { raw_input_contents: Buffer[]; inputs: { contents: { int64_contents: string[] } }[] };
    expect(request.raw_input_contents).toEqual([]);
    expect(request.inputs[0]!.contents.int64_contents).toEqual(['-1', '4611686018427387904']);
  });

  it('decodes raw and typed responses into host tensors', () => {
    const raw = decodeInferResponse(
      overTheWire.response({
        model_name: 'm',
        model_version: '1',
        id: 'r',
        outputs: [{ name: 'A', datatype: 'FP32', shape: [2] }],
        raw_output_contents: [Buffer.from(Float32Array.of(1.5, -2).buffer)],
      }),
    );
    expect(raw).toMatchObject({ modelName: 'm', modelVersion: '1', id: 'r' });
    expect([...(raw.outputs.A!.data as Float32Array)]).toEqual([1.5, -2]);

    const typed = decodeInferResponse(
      overTheWire.response({ outputs: [{ name: 'B', datatype: 'BOOL', shape: [3], contents: { bool_contents: [true, false, true] } }] }),
    );
    expect([...(typed.outputs.B!.data as Uint8Array)]).toEqual([1, 0, 1]);
  });

  it('refuses a response with an unknown datatype', () => {
    expect(() => decodeInferResponse(overTheWire.response({ outputs: [{ name: 'C', datatype: 'FLOAT', shape: [1] }] }))).toThrow(
      "output 'C' has unknown datatype 'FLOAT'",
    );
  });
});
