import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { status } from '@grpc/grpc-js';
import { type InferenceClient, decodeInferResponse } from '@infermesh/client';
import type { InferEvent } from '@infermesh/gateway';
import { inferenceProto, type ModelInferResponse__Output } from '@infermesh/proto';
import type { Runner } from '@infermesh/runners';
import { startInProcessMesh, type InProcessMesh } from '../harness/index.js';

let mesh: InProcessMesh | undefined;
let runner: Runner;
let client: InferenceClient;
const events: InferEvent[] = [];

beforeAll(async () => {
  mesh = await startInProcessMesh({
    readyModel: 'mlp',
    runner: { name: 'r' },
    gateway: { observers: [{ onInfer: (event) => events.push(event) }, { onInfer: () => { throw new Error('a broken observer'); } }] },
  });
  ({ runner, client } = mesh);
}, 60_000);

afterAll(() => mesh?.close());

describe('gateway inference observers', () => {
  it('see every forwarded call with its outcome, and a throwing observer harms no caller', async () => {
    events.length = 0;
    await client.infer('mlp', { input: { datatype: 'FP32', shape: [1, 64], data: new Float32Array(64) } }, { id: 'ok-1', metadata: { 'x-user': 'u7' } });
    await expect(client.infer('nope', {})).rejects.toMatchObject({ code: status.NOT_FOUND });
    expect(events).toHaveLength(2);
    const [ok, failed] = events as [InferEvent, InferEvent];
    expect(ok).toMatchObject({ modelName: 'mlp', requestedVersion: '', version: '2', requestId: 'ok-1', runner: runner.address, code: status.OK, details: '' });
    expect(ok.headers.get('x-user')).toEqual(['u7']);
    expect(ok.latencyMs).toBeGreaterThan(0);
    const response = inferenceProto.GRPCInferenceService.service.ModelInfer.responseDeserialize(ok.response!) as ModelInferResponse__Output;
    expect(decodeInferResponse(response).outputs.output!.shape).toEqual([1, 10]);
    expect(failed).toMatchObject({ modelName: 'nope', code: status.NOT_FOUND, details: "unknown model 'nope'", runner: '', response: undefined });
  });
});
