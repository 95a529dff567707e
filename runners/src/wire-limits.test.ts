import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import { varintBytes } from '@infermesh/common';
import { inferenceProto, MODEL_INFER_PATH } from '@infermesh/proto';
import { int32s, modelInfer } from '@infermesh/testkit';
import { startRunnerFixture, type RunnerFixture } from './runner-fixture.test-helper.js';

const MiB = 1024 * 1024;
const serialize = inferenceProto.GRPCInferenceService.service.ModelInfer.requestSerialize;

let fixture: RunnerFixture;
let raw: grpc.Client;
beforeAll(async () => {
  fixture = await startRunnerFixture();
  raw = new grpc.Client(fixture.runner.address, grpc.credentials.createInsecure(), { 'grpc.max_send_message_length': 64 * MiB });
}, 60_000);
afterAll(async () => {
  raw?.close();
  await fixture?.close();
});

/** Sends `bytes` as a ModelInfer request as they are; resolves with the status. */
function sendBytes(bytes: Buffer): Promise<{ code: number; details: string }> {
  return new Promise((resolve) =>
    raw.makeUnaryRequest(
      MODEL_INFER_PATH,
      (b: Buffer) => b,
      (b: Buffer) => b,
      bytes,
      (error) => resolve({ code: error?.code ?? grpc.status.OK, details: error?.details ?? '' }),
    ),
  );
}

const varint = varintBytes;
const field = (number: number, value: Buffer): Buffer => Buffer.concat([Buffer.from([(number << 3) | 2, ...varint(value.length)]), value]);

/** A request for `model` whose input INPUT of shape [1, count] carries `contents` (an InferTensorContents message). */
function typedRequest(model: string, datatype: string, count: number, contents: Buffer): Buffer {
  const input = Buffer.concat([
    field(1, Buffer.from('INPUT')),
    field(2, Buffer.from(datatype)),
    field(3, Buffer.from([1, ...varint(count)])),
    field(5, contents),
  ]);
  return Buffer.concat([field(1, Buffer.from(model)), field(5, input)]);
}

const EIGHT_MILLION = 8_000_000;

describe('runner request limits on the wire', () => {
  it.each([
    // 8 million empty bytes_contents elements (field 8, length 0): 16 MB that protobufjs would make 8 million Buffers of.
    ['BYTES', 'identity_bytes', () => Buffer.alloc(2 * EIGHT_MILLION, Buffer.from([(8 << 3) | 2, 0]))],
    // int64_contents (field 3) packed: 8 million one-byte varints that protobufjs would make 8 million strings of.
    ['INT64', 'identity_int64', () => field(3, Buffer.alloc(EIGHT_MILLION))],
  ])('refuses %s contents of 8 million elements before decoding them, without growing the heap', async (datatype, model, contents) => {
    const request = typedRequest(model, datatype, EIGHT_MILLION, contents());
    const before = process.memoryUsage();
    const outcome = await sendBytes(request);
    const after = process.memoryUsage();
    expect(outcome).toEqual({
      code: grpc.status.INVALID_ARGUMENT,
      details: "input 'INPUT': 8000000 elements in typed contents of the request up to this input is over limits.maxTypedElements of 1048576",
    });
    expect(after.heapUsed - before.heapUsed).toBeLessThan(48 * MiB);
    expect(after.heapTotal - before.heapTotal).toBeLessThan(48 * MiB);
    // The runner answers the next request as before.
    const ok = await modelInfer(fixture.client, { model_name: 'identity_int32', inputs: [{ name: 'INPUT', datatype: 'INT32', shape: [1, 4] }], raw_input_contents: [int32s(4, 7)] });
    expect(ok.ok).toBe(true);
  });

  it('refuses a routing field with the wrong wire type (model_name as fixed32) naming the field', async () => {
    const request = serialize({ model_name: 'identity_int32', inputs: [{ name: 'INPUT', datatype: 'INT32', shape: [1, 4] }], raw_input_contents: [int32s(4)] });
    expect(await sendBytes(Buffer.concat([request, Buffer.from([0x0d, 0x01, 0x42, 0x18, 0x00])]))).toEqual({
      code: grpc.status.INVALID_ARGUMENT,
      details: 'ModelInferRequest field 1 (model_name) has wire type 5 (fixed32), expected 2 (length-delimited)',
    });
  });

  it.each([
    ['a negative dimension', { shape: [1, -4] }, "input 'INPUT': shape [1,-1] has a negative dimension"],
    ['a product over the limit', { shape: [2 ** 40, 2 ** 40] }, "input 'INPUT': shape [1099511627776,1099511627776] has 1.2089258196146292e+24 elements, over limits.maxTensorElements of 16777216"],
    ['too many dimensions', { shape: Array.from({ length: 65 }, () => 1) }, "input 'INPUT': shape has more than 64 dimensions"],
  ])('refuses a declared shape with %s', async (_case, input, details) => {
    const request = serialize({ model_name: 'identity_int32', inputs: [{ name: 'INPUT', datatype: 'INT32', ...input }], raw_input_contents: [int32s(4)] });
    expect(await sendBytes(request)).toEqual({ code: grpc.status.INVALID_ARGUMENT, details });
  });

  it.each([
    ['inputs', { inputs: Array.from({ length: 257 }, (_, i) => ({ name: `I${i}`, datatype: 'INT32', shape: [1] })) }, 'request: 257 inputs is over limits.maxInputs of 256'],
    ['outputs', { outputs: Array.from({ length: 257 }, (_, i) => ({ name: `O${i}` })) }, 'request: 257 requested outputs is over limits.maxOutputs of 256'],
    ['parameters', { parameters: Object.fromEntries(Array.from({ length: 257 }, (_, i) => [`p${i}`, { bool_param: true }])) }, 'request: 257 parameters is over limits.maxParameters of 256'],
  ])('refuses a request with too many %s', async (_case, fields, details) => {
    expect(await sendBytes(serialize({ model_name: 'identity_int32', ...fields }))).toEqual({ code: grpc.status.INVALID_ARGUMENT, details });
  });

  it('answers a malformed message INVALID_ARGUMENT, not INTERNAL', async () => {
    const outcome = await sendBytes(Buffer.from([0x0a, 0x7f, 0x61]));
    expect(outcome).toEqual({ code: grpc.status.INVALID_ARGUMENT, details: 'request is not a valid ModelInferRequest message' });
  });
});
