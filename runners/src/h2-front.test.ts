/**
 * The runner's HTTP/2 front: ModelInfer answered on node:http2, everything else by grpc-js
 * behind it. Both servers give the same answers; a compressed request, a deadline that
 * passes mid-run and a caller that cancels are handled as grpc-js handles them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import { clientChannelOptions } from '@infermesh/common';
import { inferenceProto, type ModelInferRequest, type ModelInferResponse__Output } from '@infermesh/proto';
import { simpleModel, quickInput, slowInput, slowModel } from '@infermesh/testkit';
import { startRunnerFixture, startRunnerWith, type RunnerFixture } from './runner-fixture.test-helper.js';

const simpleInputs = (n: number) => ({
  INPUT0: { datatype: 'INT32' as const, shape: [1, 16], data: new Int32Array(16).fill(n) },
  INPUT1: { datatype: 'INT32' as const, shape: [1, 16], data: new Int32Array(16).fill(1) },
});

describe.each(['http2', 'grpc-js'] as const)('a runner served by %s', (server) => {
  let fixture: RunnerFixture;
  beforeAll(async () => {
    fixture = await startRunnerFixture({ server });
  }, 60_000);
  afterAll(() => fixture?.close());

  it('answers ModelInfer and the other methods', async () => {
    const result = await fixture.client.infer('simple', simpleInputs(4), { id: 'front-1' });
    expect(result.id).toBe('front-1');
    expect([...(result.outputs.OUTPUT0!.data as Int32Array)]).toEqual(new Array(16).fill(5));
    expect(await fixture.client.modelReady('simple')).toBe(true);
    expect((await fixture.client.modelMetadata('simple')).name).toBe('simple');
  });

  it('answers a bad request with INVALID_ARGUMENT naming what is wrong', async () => {
    const error = await fixture.client.infer('simple', { INPUT0: simpleInputs(1).INPUT0 }).catch((e: grpc.ServiceError) => e);
    expect(error).toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
    expect((error as grpc.ServiceError).details).toMatch(/INPUT1/);
  });

  it('answers a gzip-compressed request', async () => {
    const stub = new inferenceProto.GRPCInferenceService(fixture.runner.address, grpc.credentials.createInsecure(), {
      ...clientChannelOptions(64 * 1024 * 1024),
      'grpc.default_compression_algorithm': grpc.compressionAlgorithms.gzip,
    });
    try {
      const request: ModelInferRequest = {
        model_name: 'simple',
        inputs: [
          { name: 'INPUT0', datatype: 'INT32', shape: [1, 16], contents: { int_contents: new Array(16).fill(7) } },
          { name: 'INPUT1', datatype: 'INT32', shape: [1, 16], contents: { int_contents: new Array(16).fill(2) } },
        ],
      };
      const response = await new Promise<ModelInferResponse__Output>((resolve, reject) =>
        stub.ModelInfer(request, (error, answer) => (error || !answer ? reject(error) : resolve(answer))),
      );
      expect(response.model_name).toBe('simple');
      expect(response.outputs.map((output) => output.name)).toEqual(['OUTPUT0', 'OUTPUT1']);
    } finally {
      stub.close();
    }
  });
});

describe('the HTTP/2 front under deadlines and cancels', () => {
  let fixture: RunnerFixture;
  beforeAll(async () => {
    fixture = await startRunnerWith([
      { name: 'slow', bytes: slowModel() },
      { name: 'simple', bytes: simpleModel() },
    ]);
  }, 120_000);
  afterAll(() => fixture?.close());

  it('answers DEADLINE_EXCEEDED when the deadline passes mid-run, then serves the next call', async () => {
    const error = await fixture.client.infer('slow', slowInput(), { timeoutMs: 50 }).catch((e: grpc.ServiceError) => e);
    expect(error).toMatchObject({ code: grpc.status.DEADLINE_EXCEEDED });
    const next = await fixture.client.infer('slow', quickInput(), { timeoutMs: 60_000 });
    expect(next.outputs.output!.shape).toEqual([1, 256]);
  }, 60_000);

  it('survives callers that cancel while their calls run', async () => {
    const stub = fixture.client.stub;
    const calls = Array.from({ length: 4 }, () =>
      stub.ModelInfer(
        { model_name: 'slow', inputs: [{ name: 'input', datatype: 'FP32', shape: [1024, 256] }], raw_input_contents: [Buffer.alloc(1024 * 256 * 4)] },
        () => undefined,
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    for (const call of calls) call.cancel();
    const result = await fixture.client.infer('simple', simpleInputs(2));
    expect([...(result.outputs.OUTPUT0!.data as Int32Array)]).toEqual(new Array(16).fill(3));
  }, 60_000);
});
