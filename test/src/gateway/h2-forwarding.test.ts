/** The gateway with `forwarding: 'http2'`: ModelInfer piped to the runner, everything else through grpc-js behind it. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as http2 from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { buildInferRequest, decodeInferResponse, InferenceClient } from '@infermesh/client';
import { clientChannelOptions } from '@infermesh/common';
import type { Gateway, InferEvent } from '@infermesh/gateway';
import { inferenceProto, type GRPCInferenceServiceClient, type ModelInferResponse__Output, type ModelStreamInferResponse__Output } from '@infermesh/proto';
import { startGatewayInProcess, startInProcessMesh, type InProcessMesh } from '../harness/index.js';

let mesh: InProcessMesh | undefined;
let small: Gateway | undefined;
const events: InferEvent[] = [];
const input = { input: { datatype: 'FP32' as const, shape: [1, 64], data: new Float32Array(64).fill(0.5) } };

beforeAll(async () => {
  mesh = await startInProcessMesh({
    readyModel: 'mlp',
    gateway: { forwarding: 'http2', observers: [{ onInfer: (event) => events.push(event) }] },
  });
  small = await startGatewayInProcess([mesh.runner.address], { forwarding: 'http2', maxMessageBytes: 200 });
}, 60_000);

afterAll(async () => {
  await small?.close();
  await mesh?.close();
});

function stub(address: string, options: grpc.ChannelOptions = {}): GRPCInferenceServiceClient {
  return new inferenceProto.GRPCInferenceService(address, grpc.credentials.createInsecure(), { ...clientChannelOptions(1 << 26), ...options });
}

describe('gateway forwarding at the HTTP/2 level', () => {
  it('answers ModelInfer as the runner does, and tells the observers with the response bytes', async () => {
    const direct = new InferenceClient(mesh!.runner.address);
    try {
      events.length = 0;
      const viaGateway = await mesh!.client.infer('mlp', input, { id: 'h2-1', metadata: { 'x-user': 'u9' } });
      const fromRunner = await direct.infer('mlp', input, { id: 'h2-1', version: viaGateway.modelVersion });
      expect(viaGateway).toEqual(fromRunner);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ modelName: 'mlp', version: '2', requestId: 'h2-1', runner: mesh!.runner.address, code: grpc.status.OK, details: '' });
      expect(events[0]!.headers.get('x-user')).toEqual(['u9']);
      const response = inferenceProto.GRPCInferenceService.service.ModelInfer.responseDeserialize(events[0]!.response!) as ModelInferResponse__Output;
      expect(response.id).toBe('h2-1');
      expect(events[0]!.responseBytes).toBe(events[0]!.response!.byteLength);
    } finally {
      direct.close();
    }
  });

  it('answers NOT_FOUND for an unknown model and an unknown version', async () => {
    await expect(mesh!.client.infer('nope', input)).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
    await expect(mesh!.client.infer('mlp', input, { version: '99' })).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
  });

  it('sends its own error messages percent-encoded as gRPC clients decode them: commas, spaces, % and UTF-8 intact', async () => {
    await expect(mesh!.client.infer('no, such % modèl', input)).rejects.toMatchObject({
      code: grpc.status.NOT_FOUND,
      details: "unknown model 'no, such % modèl'",
    });
  });

  it('refuses a message over the limit with RESOURCE_EXHAUSTED, as grpc-js does', async () => {
    const client = new InferenceClient(small!.address);
    try {
      await expect(client.infer('mlp', input)).rejects.toMatchObject({ code: grpc.status.RESOURCE_EXHAUSTED });
      expect(await client.serverLive()).toBe(true);
    } finally {
      client.close();
    }
  });

  it('hands a compressed request to grpc-js, which answers it', async () => {
    const client = stub(mesh!.gateway.address, { 'grpc.default_compression_algorithm': 2 });
    try {
      const response = await new Promise<ModelInferResponse__Output>((resolve, reject) =>
        client.ModelInfer(buildInferRequest('mlp', input, { id: 'gz' }), (error, value) => (error ? reject(error) : resolve(value!))),
      );
      expect(decodeInferResponse(response).id).toBe('gz');
    } finally {
      client.close();
    }
  });

  it('serves every other method through grpc-js: metadata, health', async () => {
    expect(await mesh!.client.serverReady()).toBe(true);
    const metadata = await mesh!.client.modelMetadata('mlp');
    expect(metadata.name).toBe('mlp');
  });

  it('forwards ModelStreamInfer message by message: answers in order, errors in place, each message told to the observers', async () => {
    const client = stub(mesh!.gateway.address);
    try {
      events.length = 0;
      const stream = client.ModelStreamInfer(new grpc.Metadata());
      const answers: ModelStreamInferResponse__Output[] = [];
      const ended = new Promise<void>((resolve, reject) => {
        stream.on('data', (answer: ModelStreamInferResponse__Output) => answers.push(answer));
        stream.on('end', resolve);
        stream.on('error', reject);
      });
      for (let i = 0; i < 5; i++) stream.write(buildInferRequest(i === 2 ? 'nope' : 'mlp', input, { id: `s${i}`, ...(i === 3 ? { version: '1' } : {}) }));
      stream.end();
      await ended;
      expect(answers.map((a) => a.infer_response?.id)).toEqual(['s0', 's1', 's2', 's3', 's4']);
      expect(answers.map((a) => a.error_message)).toEqual(['', '', "unknown model 'nope'", '', '']);
      expect(answers.map((a) => a.infer_response?.model_version)).toEqual(['2', '2', '', '1', '2']);
      expect(decodeInferResponse(answers[0]!.infer_response!).outputs.output!.shape).toEqual([1, 10]);
      // Answers may finish in any order; the observers hear of each once, the unknown model unrouted.
      expect(events.map((e) => [e.requestId, e.version, e.code]).sort()).toEqual([
        ['s0', '2', grpc.status.OK],
        ['s1', '2', grpc.status.OK],
        ['s2', '', grpc.status.NOT_FOUND],
        ['s3', '1', grpc.status.OK],
        ['s4', '2', grpc.status.OK],
      ]);
    } finally {
      client.close();
    }
  });

  it('ends a stream with a message over the limit with RESOURCE_EXHAUSTED', async () => {
    const client = stub(small!.address);
    try {
      const stream = client.ModelStreamInfer();
      const ended = new Promise<grpc.ServiceError>((resolve) => {
        stream.on('data', () => undefined);
        stream.on('error', resolve);
      });
      stream.write(buildInferRequest('mlp', input, { id: 'big' }));
      stream.end();
      expect(await ended).toMatchObject({ code: grpc.status.RESOURCE_EXHAUSTED });
    } finally {
      client.close();
    }
  });

  it('answers DEADLINE_EXCEEDED to a caller whose message never finishes, and goes on serving', async () => {
    const session = http2.connect(`http://${mesh!.gateway.address}`);
    try {
      const call = session.request({ ':method': 'POST', ':path': '/inference.GRPCInferenceService/ModelInfer', 'content-type': 'application/grpc', te: 'trailers', 'grpc-timeout': '50m' });
      const answer = new Promise<http2.IncomingHttpHeaders>((resolve) => call.on('response', resolve));
      call.resume();
      call.write(Buffer.from([0, 0, 0, 1, 0]));
      expect((await answer)['grpc-status']).toBe(String(grpc.status.DEADLINE_EXCEEDED));
      call.close();
    } finally {
      session.close();
    }
    expect((await mesh!.client.infer('mlp', input)).modelName).toBe('mlp');
  });

  it('answers DEADLINE_EXCEEDED itself when the grpc-timeout passes before the runner answers', async () => {
    const message = inferenceProto.GRPCInferenceService.service.ModelInfer.requestSerialize(buildInferRequest('mlp', input));
    const frame = Buffer.concat([Buffer.from([0, 0, 0, 0, 0]), message]);
    frame.writeUInt32BE(message.length, 1);
    const session = http2.connect(`http://${mesh!.gateway.address}`);
    try {
      const call = session.request({ ':method': 'POST', ':path': '/inference.GRPCInferenceService/ModelInfer', 'content-type': 'application/grpc', te: 'trailers', 'grpc-timeout': '1n' });
      const answer = new Promise<http2.IncomingHttpHeaders>((resolve) => {
        call.on('response', (headers) => headers['grpc-status'] !== undefined && resolve(headers));
        call.on('trailers', resolve);
      });
      call.resume();
      call.end(frame);
      expect((await answer)['grpc-status']).toBe(String(grpc.status.DEADLINE_EXCEEDED));
    } finally {
      session.close();
    }
  });
});
