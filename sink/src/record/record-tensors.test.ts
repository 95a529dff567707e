import { varintBytes } from '@infermesh/common';
import { inferenceProto } from '@infermesh/proto';
import type { PredictionRecord__Output } from '@infermesh/proto/sink';
import { describe, expect, it } from 'vitest';
import { withTensors } from './record-tensors.js';

const method = inferenceProto.GRPCInferenceService.service.ModelInfer;
const int32 = (...values: number[]) => Buffer.from(new Int32Array(values).buffer);
const MiB = 1024 * 1024;

const published = (overrides: Partial<PredictionRecord__Output> = {}): PredictionRecord__Output => ({
  record_id: 'rec-1',
  time_unix_ms: '1790000000000',
  request_id: 'req-1',
  model_name: 'simple',
  model_version: '1',
  requested_version: '',
  runner: '127.0.0.1:8101',
  device: 'cpu',
  latency_ms: 2.5,
  status: 'OK',
  error: '',
  outputs: [],
  inputs: [],
  headers: { 'x-user': 'u7' },
  trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
  tensors_omitted: false,
  traceparent: '',
  shadow: null,
  response: method.responseSerialize({
    model_name: 'simple',
    id: 'req-1',
    outputs: [{ name: 'OUTPUT0', datatype: 'INT32', shape: [1, 2] }],
    raw_output_contents: [int32(7, 8)],
  }),
  request: Buffer.alloc(0),
  ...overrides,
});

describe('withTensors', () => {
  it('decodes the raw outputs of the response, and leaves the other fields as they are', () => {
    expect(withTensors(published(), MiB)).toEqual({
      ...published(),
      outputs: [{ name: 'OUTPUT0', datatype: 'INT32', shape: ['1', '2'], raw: int32(7, 8) }],
      inputs: [],
      response: Buffer.alloc(0),
      request: Buffer.alloc(0),
    });
  });

  it('turns typed contents of outputs and captured inputs into raw tensors', () => {
    const record = withTensors(
      published({
        response: method.responseSerialize({ outputs: [{ name: 'OUTPUT0', datatype: 'INT32', shape: [2], contents: { int_contents: [5, 6] } }] }),
        request: method.requestSerialize({
          inputs: [
            { name: 'INPUT0', datatype: 'INT32', shape: [1, 2], contents: { int_contents: [3, 4] } },
            { name: 'TEXT', datatype: 'BYTES', shape: [1], contents: { bytes_contents: [Buffer.from('hi')] } },
          ],
        }),
      }),
      MiB,
    );
    expect(record.outputs).toEqual([{ name: 'OUTPUT0', datatype: 'INT32', shape: ['2'], raw: int32(5, 6) }]);
    expect(record.inputs).toEqual([
      { name: 'INPUT0', datatype: 'INT32', shape: ['1', '2'], raw: int32(3, 4) },
      { name: 'TEXT', datatype: 'BYTES', shape: ['1'], raw: Buffer.from([2, 0, 0, 0, 0x68, 0x69]) },
    ]);
    expect(record.tensors_omitted).toBe(false);
  });

  it('gives a record without tensors for a message that does not decode, or one without data', () => {
    const undecodable = withTensors(published({ response: Buffer.from([0xff, 0xff, 0xff, 0xff]) }), MiB);
    expect(undecodable).toMatchObject({ outputs: [], inputs: [], tensors_omitted: true, status: 'OK', headers: { 'x-user': 'u7' } });
    const noData = published({ response: method.responseSerialize({ outputs: [{ name: 'OUTPUT0', datatype: 'INT32', shape: [2] }] }) });
    expect(withTensors(noData, MiB)).toMatchObject({ outputs: [], tensors_omitted: true });
  });

  it('leaves out tensors that could not fit the record limit, before decoding or after converting', () => {
    const big = published({
      response: method.responseSerialize({ outputs: [{ name: 'O', datatype: 'UINT8', shape: [8192] }], raw_output_contents: [Buffer.alloc(8192)] }),
    });
    expect(withTensors(big, 1024)).toMatchObject({ outputs: [], tensors_omitted: true });
    // 1,000 one-byte varints become 8,000 raw bytes.
    const expands = published({
      response: method.responseSerialize({ outputs: [{ name: 'O', datatype: 'INT64', shape: [1000], contents: { int64_contents: Array(1000).fill(1) } }] }),
    });
    expect(expands.response.byteLength).toBeLessThan(4 * 1024);
    expect(withTensors(expands, 1024)).toMatchObject({ outputs: [], tensors_omitted: true });
    expect(withTensors(expands, 4096).outputs[0]!.raw.byteLength).toBe(8000);
  });

  it('keeps a record without messages as it came: a failed call, or tensors already decoded', () => {
    const failed = published({ status: 'NOT_FOUND', response: Buffer.alloc(0) });
    expect(withTensors(failed, MiB)).toBe(failed);
    const decoded = published({ response: Buffer.alloc(0), outputs: [{ name: 'O', datatype: 'INT32', shape: ['1'], raw: int32(1) }] });
    expect(withTensors(decoded, MiB)).toBe(decoded);
  });

  it('leaves out the inputs of a captured request over the request limits without decoding it', () => {
    // 8 million empty bytes_contents elements of one input: protobufjs would make 8 million Buffers of them.
    const contents = Buffer.alloc(2 * 8_000_000, Buffer.from([(8 << 3) | 2, 0]));
    const length = (n: number) => Buffer.from(varintBytes(n));
    const input = Buffer.concat([Buffer.from([(1 << 3) | 2, 1, 0x49, (5 << 3) | 2]), length(contents.length), contents]);
    const request = Buffer.concat([Buffer.from([(5 << 3) | 2]), length(input.length), input]);
    const before = process.memoryUsage().heapUsed;
    const record = withTensors(published({ request }), 64 * MiB);
    expect(record).toMatchObject({ inputs: [], outputs: [], tensors_omitted: true });
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(48 * MiB);
  });
});

