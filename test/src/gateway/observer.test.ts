import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { status } from '@grpc/grpc-js';
import { InferenceClient, decodeInferResponse } from '@infermesh/client';
import type { Gateway, InferEvent } from '@infermesh/gateway';
import { inferenceProto, type ModelInferResponse__Output } from '@infermesh/proto';
import type { Runner } from '@infermesh/runners';
import { exampleRepository, startGatewayInProcess, startRunnerInProcess, waitFor } from '../harness/index.js';

let repo: Awaited<ReturnType<typeof exampleRepository>>;
let runner: Runner;
let gateway: Gateway;
let client: InferenceClient;
const events: InferEvent[] = [];

beforeAll(async () => {
  repo = await exampleRepository();
  runner = await startRunnerInProcess(repo.dir, { name: 'r' });
  gateway = await startGatewayInProcess([runner.address], { observers: [{ onInfer: (event) => events.push(event) }, { onInfer: () => { throw new Error('a broken observer'); } }] });
  client = new InferenceClient(gateway.address);
  await waitFor(() => client.modelReady('mlp'), 10_000, 'mlp to be routable');
}, 60_000);

afterAll(async () => {
  client?.close();
  await gateway?.close();
  await runner?.close();
  await repo?.remove();
});

describe('gateway inference observers', () => {
  it('see every forwarded call with its outcome, and a throwing observer harms no caller', async () => {
    events.length = 0;
    await client.infer('mlp', { input: { datatype: 'FP32', shape: [1, 64], data: new Float32Array(64) } }, { id: 'ok-1', metadata: { 'x-user': 'u7' } });
    await expect(client.infer('nope', {})).rejects.toMatchObject({ code: status.NOT_FOUND });
    expect(events).toHaveLength(2);
    const [ok, failed] = events as [InferEvent, InferEvent];
    expect(ok).toMatchObject({ modelName: 'mlp', requestedVersion: '', version: '2', requestId: 'ok-1', runner: runner.address, code: status.OK, details: '' });
    expect(ok.metadata.get('x-user')).toEqual(['u7']);
    expect(ok.latencyMs).toBeGreaterThan(0);
    const response = inferenceProto.GRPCInferenceService.service.ModelInfer.responseDeserialize(ok.response!) as ModelInferResponse__Output;
    expect(decodeInferResponse(response).outputs.output!.shape).toEqual([1, 10]);
    expect(failed).toMatchObject({ modelName: 'nope', code: status.NOT_FOUND, details: "unknown model 'nope'", runner: '', response: undefined });
  });
});
