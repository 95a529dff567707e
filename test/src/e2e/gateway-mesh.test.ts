import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { status, type Client, type ClientDuplexStream } from '@grpc/grpc-js';
import { InferenceClient } from '@infermesh/client';
import type { ModelInferRequest, ModelStreamInferResponse__Output } from '@infermesh/proto';
import { exampleRepository, int32s, modelInfer } from '@infermesh/testkit';
import { startMesh, type TestMesh } from '../harness/index.js';

let repo: Awaited<ReturnType<typeof exampleRepository>>;
let mesh: TestMesh;
let client: InferenceClient;

beforeAll(async () => {
  repo = await exampleRepository();
  mesh = await startMesh({ modelRepository: repo.dir });
  client = new InferenceClient(mesh.gateway);
}, 120_000);

afterAll(async () => {
  client?.close();
  await mesh?.stop();
  await repo?.remove();
});

describe('gateway in front of a runner process', () => {
  it('serves every example model', async () => {
    const simple = await client.infer('simple', {
      INPUT0: { datatype: 'INT32', shape: [1, 16], data: new Int32Array(16).fill(7) },
      INPUT1: { datatype: 'INT32', shape: [1, 16], data: new Int32Array(16).fill(2) },
    });
    expect([...(simple.outputs.OUTPUT0!.data as Int32Array)]).toEqual(new Array(16).fill(9));
    expect([...(simple.outputs.OUTPUT1!.data as Int32Array)]).toEqual(new Array(16).fill(5));

    const mlp = await client.infer('mlp', { input: { datatype: 'FP32', shape: [3, 64], data: new Float32Array(192).fill(1) } });
    expect(mlp.outputs.output!.shape).toEqual([3, 10]);
    expect(mlp.modelVersion).toBe('2');

    const heavy = await client.infer('heavy', { input: { datatype: 'FP32', shape: [2, 512], data: new Float32Array(1024).fill(0.1) } });
    expect(heavy.outputs.output!.shape).toEqual([2, 512]);
    expect((heavy.outputs.output!.data as Float32Array).every(Number.isFinite)).toBe(true);

    const strings = await client.infer('strings', { INPUT: { datatype: 'BYTES', shape: [1, 3], data: ['a', 'héllo', ''] } });
    expect(strings.outputs.OUTPUT!.data).toEqual(['a', 'héllo', '']);
  });

  it('answers server and model metadata from the runners', async () => {
    expect(await client.serverLive()).toBe(true);
    expect(await client.serverReady()).toBe(true);
    expect(await client.serverMetadata()).toMatchObject({ name: 'infermesh' });
    expect(await client.modelReady('simple')).toBe(true);
    expect(await client.modelReady('mlp', '1')).toBe(true);
    expect(await client.modelReady('mlp', '3')).toBe(false);
    expect(await client.modelReady('nope')).toBe(false);
    expect(await client.modelMetadata('simple')).toMatchObject({
      name: 'simple',
      versions: ['1'],
      inputs: [
        { name: 'INPUT0', datatype: 'INT32', shape: ['-1', '16'] },
        { name: 'INPUT1', datatype: 'INT32', shape: ['-1', '16'] },
      ],
    });
  });

  it('passes the runner’s validation errors through unchanged', async () => {
    expect(
      await modelInfer(client, {
        model_name: 'simple',
        inputs: [
          { name: 'INPUT0', datatype: 'INT32', shape: [1, 16] },
          { name: 'INPUT1', datatype: 'INT32', shape: [1, 16] },
        ],
        raw_input_contents: [int32s(16), int32s(15)],
      }),
    ).toEqual({
      ok: false,
      code: status.INVALID_ARGUMENT,
      details: "input 'INPUT1': expected 64 bytes of raw INT32 data (16 elements × 4), got 60",
    });
  });

  it('answers NOT_FOUND for an unknown model or version without asking a runner', async () => {
    expect(await modelInfer(client, { model_name: 'nope' })).toEqual({
      ok: false,
      code: status.NOT_FOUND,
      details: "unknown model 'nope'",
    });
    expect(await modelInfer(client, { model_name: 'mlp', model_version: '9' })).toEqual({
      ok: false,
      code: status.NOT_FOUND,
      details: "model 'mlp' has no version '9'",
    });
  });

  it('streams through the gateway with errors in place and ids echoed', async () => {
    const stream: ClientDuplexStream<ModelInferRequest, ModelStreamInferResponse__Output> = client.stub.ModelStreamInfer();
    const responses: ModelStreamInferResponse__Output[] = [];
    const done = new Promise<void>((resolve, reject) => {
      stream.on('data', (r: ModelStreamInferResponse__Output) => responses.push(r));
      stream.on('end', resolve);
      stream.on('error', reject);
    });
    const requests = 30;
    for (let i = 0; i < requests; i++) {
      const unknown = i === 5;
      const bad = i % 10 === 9;
      stream.write({
        model_name: unknown ? 'nope' : 'simple',
        id: `g${i}`,
        inputs: [
          { name: 'INPUT0', datatype: 'INT32', shape: [1, 16] },
          { name: 'INPUT1', datatype: bad ? 'FP32' : 'INT32', shape: [1, 16] },
        ],
        raw_input_contents: [int32s(16, i), int32s(16, 2)],
      });
    }
    stream.end();
    await done;
    expect(responses.map((r) => r.infer_response?.id)).toEqual(Array.from({ length: requests }, (_, i) => `g${i}`));
    responses.forEach((r, i) => {
      if (i === 5) expect(r.error_message).toBe("unknown model 'nope'");
      else if (i % 10 === 9) expect(r.error_message).toBe("input 'INPUT1': expected datatype INT32, got 'FP32'");
      else {
        expect(r.error_message).toBe('');
        expect(new Int32Array(new Uint8Array(r.infer_response!.raw_output_contents[0]!).buffer)[0]).toBe(i + 2);
      }
    });
  });

  it('refuses a malformed request body with INVALID_ARGUMENT', async () => {
    const outcome = await new Promise<{ code: number; details: string }>((resolve) =>
      (client.stub as unknown as Client).makeUnaryRequest(
        '/inference.GRPCInferenceService/ModelInfer',
        (b: Buffer) => b,
        (b: Buffer) => b,
        Buffer.from([0x0a, 0x7f, 0x61]),
        (error) => resolve({ code: error!.code, details: error!.details }),
      ),
    );
    expect(outcome).toEqual({ code: status.INVALID_ARGUMENT, details: 'request is not a valid ModelInferRequest message' });
  });
});
