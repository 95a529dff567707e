/** The gateway's HTTP/2 front holds callers to limits.maxConcurrentStreams and limits.streamIdleTimeoutMs. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as http2 from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import type { Gateway } from '@infermesh/gateway';
import { inferenceProto, MODEL_INFER_PATH } from '@infermesh/proto';
import { int32s } from '@infermesh/testkit';
import { startGatewayInProcess, startInProcessMesh, type InProcessMesh } from '../harness/index.js';

const { service } = inferenceProto.GRPCInferenceService;

let mesh: InProcessMesh | undefined;
let limited: Gateway | undefined;
let idle: Gateway | undefined;

beforeAll(async () => {
  mesh = await startInProcessMesh({ readyModel: 'simple', gateway: { forwarding: 'http2' } });
  limited = await startGatewayInProcess([mesh.runner.address], { forwarding: 'http2', maxConcurrentStreams: 3 });
  idle = await startGatewayInProcess([mesh.runner.address], { forwarding: 'http2', streamIdleTimeoutMs: 1_000 });
}, 60_000);

afterAll(async () => {
  await idle?.close();
  await limited?.close();
  await mesh?.close();
});

const request = service.ModelInfer.requestSerialize({
  model_name: 'simple',
  inputs: [
    { name: 'INPUT0', datatype: 'INT32', shape: [1, 16] },
    { name: 'INPUT1', datatype: 'INT32', shape: [1, 16] },
  ],
  raw_input_contents: [int32s(16, 2), int32s(16, 3)],
});

describe('the HTTP/2 front', () => {
  it('advertises limits.maxConcurrentStreams to callers and completes calls beyond it as streams free up', async () => {
    const session = http2.connect(`http://${limited!.address}`);
    try {
      await new Promise((resolve) => session.once('remoteSettings', resolve));
      expect(session.remoteSettings.maxConcurrentStreams).toBe(3);
    } finally {
      session.close();
    }
    const client = new grpc.Client(limited!.address, grpc.credentials.createInsecure());
    const codes = await Promise.all(
      Array.from(
        { length: 10 },
        () => new Promise<number>((resolve) => client.makeUnaryRequest(MODEL_INFER_PATH, (b: Buffer) => b, (b: Buffer) => b, request, (error) => resolve(error?.code ?? grpc.status.OK))),
      ),
    );
    client.close();
    expect(codes).toEqual(Array.from({ length: 10 }, () => grpc.status.OK));
  });

  it('resets a stream that stays idle past limits.streamIdleTimeoutMs, and serves the connection on', async () => {
    const session = http2.connect(`http://${idle!.address}`);
    try {
      // Headers only: the request message never comes.
      const stream = session.request({ ':method': 'POST', ':path': MODEL_INFER_PATH, 'content-type': 'application/grpc', te: 'trailers' });
      stream.on('error', () => undefined);
      stream.resume();
      await new Promise((resolve) => stream.on('close', resolve));
      expect(stream.rstCode).toBe(http2.constants.NGHTTP2_CANCEL);
      // The same connection takes the next call.
      const next = session.request({ ':method': 'POST', ':path': MODEL_INFER_PATH, 'content-type': 'application/grpc', te: 'trailers' });
      const trailers = new Promise<http2.IncomingHttpHeaders>((resolve) => next.on('trailers', resolve));
      next.resume();
      const frame = Buffer.alloc(5);
      frame.writeUInt32BE(request.length, 1);
      next.end(Buffer.concat([frame, request]));
      expect((await trailers)['grpc-status']).toBe('0');
    } finally {
      session.close();
    }
  });
});
