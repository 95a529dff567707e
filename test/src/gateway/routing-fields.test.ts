/**
 * The gateway and the runner read a request's routing fields with one parser: a routing field
 * with the wrong wire type, or not UTF-8, is refused on both forwarding paths, and repeated
 * fields resolve the same way on both sides.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import type { Gateway } from '@infermesh/gateway';
import { inferenceProto, MODEL_INFER_PATH, MODEL_STREAM_INFER_PATH, type ModelInferResponse__Output, type ModelStreamInferResponse__Output } from '@infermesh/proto';
import { int32s } from '@infermesh/testkit';
import { startGatewayInProcess, startInProcessMesh, type InProcessMesh } from '../harness/index.js';

const { service } = inferenceProto.GRPCInferenceService;
/** model_name as fixed32 holding 'B', then id as a varint: appended to a request for 'simple'. */
const CONFUSION = Buffer.from([0x0d, 0x01, 0x42, 0x18, 0x00]);
const FIELD_1_DETAILS = 'ModelInferRequest field 1 (model_name) has wire type 5 (fixed32), expected 2 (length-delimited)';

let mesh: InProcessMesh | undefined;
const gateways: Record<'http2' | 'grpc-js', Gateway | undefined> = { http2: undefined, 'grpc-js': undefined };

beforeAll(async () => {
  mesh = await startInProcessMesh({ readyModel: 'simple', gateway: { forwarding: 'http2' } });
  gateways.http2 = mesh.gateway;
  gateways['grpc-js'] = await startGatewayInProcess([mesh.runner.address], { forwarding: 'grpc-js' });
}, 60_000);

afterAll(async () => {
  await gateways['grpc-js']?.close();
  await mesh?.close();
});

const request = (fields: Record<string, unknown> = {}): Buffer =>
  service.ModelInfer.requestSerialize({
    model_name: 'simple',
    inputs: [
      { name: 'INPUT0', datatype: 'INT32', shape: [1, 16] },
      { name: 'INPUT1', datatype: 'INT32', shape: [1, 16] },
    ],
    raw_input_contents: [int32s(16, 2), int32s(16, 3)],
    ...fields,
  });

function rawClient(address: string): grpc.Client {
  return new grpc.Client(address, grpc.credentials.createInsecure());
}

/** ModelInfer with `bytes` as they are, on `client`'s connection or a new one to `address`. */
function infer(to: string | grpc.Client, bytes: Buffer): Promise<{ code: number; details: string; response?: ModelInferResponse__Output }> {
  const client = typeof to === 'string' ? rawClient(to) : to;
  return new Promise((resolve) =>
    client.makeUnaryRequest(MODEL_INFER_PATH, (b: Buffer) => b, (b: Buffer) => b, bytes, (error, response) => {
      if (client !== to) client.close();
      if (error) resolve({ code: error.code, details: error.details });
      else resolve({ code: grpc.status.OK, details: '', response: service.ModelInfer.responseDeserialize(response!) as ModelInferResponse__Output });
    }),
  );
}

describe.each(['http2', 'grpc-js'] as const)('routing fields through a gateway forwarding with %s', (forwarding) => {
  const address = () => gateways[forwarding]!.address;

  it('refuses model_name sent as fixed32 (the routing confusion) with INVALID_ARGUMENT naming the field', async () => {
    expect(await infer(address(), Buffer.concat([request(), CONFUSION]))).toEqual({ code: grpc.status.INVALID_ARGUMENT, details: FIELD_1_DETAILS });
  });

  it('refuses an id that is not UTF-8 with INVALID_ARGUMENT naming the field, instead of answering another id', async () => {
    expect(await infer(address(), Buffer.concat([request(), Buffer.from([0x1a, 0x02, 0xff, 0xfe])]))).toEqual({
      code: grpc.status.INVALID_ARGUMENT,
      details: 'ModelInferRequest field 3 (id) is not valid UTF-8',
    });
  });

  it('answers a stream message with the routing confusion in place, and the next message as usual', async () => {
    const client = rawClient(address());
    const call = client.makeBidiStreamRequest(MODEL_STREAM_INFER_PATH, (b: Buffer) => b, (b: Buffer) => b);
    const responses: ModelStreamInferResponse__Output[] = [];
    call.on('data', (bytes: Buffer) => responses.push(service.ModelStreamInfer.responseDeserialize(bytes) as ModelStreamInferResponse__Output));
    const ended = new Promise((resolve) => call.on('status', resolve));
    call.write(Buffer.concat([request({ id: 'a' }), CONFUSION]));
    call.write(request({ id: 'b' }));
    call.end();
    await ended;
    client.close();
    expect(responses.map((r) => r.error_message)).toEqual([FIELD_1_DETAILS, '']);
    expect(responses[1]!.infer_response!.id).toBe('b');
  });

  it('routes repeated routing fields by their last occurrence, as the runner reads them', async () => {
    const bytes = Buffer.concat([service.ModelInfer.requestSerialize({ model_name: 'nope', id: 'first' }), request({ id: 'last' })]);
    const outcome = await infer(address(), bytes);
    expect(outcome.code).toBe(grpc.status.OK);
    expect(outcome.response).toMatchObject({ model_name: 'simple', id: 'last' });
  });
});
