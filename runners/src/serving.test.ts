import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { status, type ClientDuplexStream } from '@grpc/grpc-js';
import type { ModelInferRequest, ModelStreamInferResponse__Output } from '@infermesh/proto';
import { int32s, modelInfer } from '@infermesh/testkit';
import { startRunnerFixture, type RunnerFixture } from './runner-fixture.test-helper.js';

let fixture: RunnerFixture;
beforeAll(async () => {
  fixture = await startRunnerFixture();
}, 60_000);
afterAll(() => fixture?.close());

const mlpInput = { input: { datatype: 'FP32' as const, shape: [2, 64], data: new Float32Array(128).fill(0.25) } };

describe('runner serving', () => {
  it('computes simple on raw inputs and echoes the id', async () => {
    const a = Int32Array.from({ length: 32 }, (_, i) => i);
    const b = Int32Array.from({ length: 32 }, (_, i) => 100 - i);
    const result = await fixture.client.infer(
      'simple',
      { INPUT0: { datatype: 'INT32', shape: [2, 16], data: a }, INPUT1: { datatype: 'INT32', shape: [2, 16], data: b } },
      { id: 'req-42' },
    );
    expect(result.id).toBe('req-42');
    expect(result.modelVersion).toBe('1');
    expect(result.outputs.OUTPUT0!.shape).toEqual([2, 16]);
    expect([...(result.outputs.OUTPUT0!.data as Int32Array)]).toEqual([...a].map((v, i) => v + b[i]!));
    expect([...(result.outputs.OUTPUT1!.data as Int32Array)]).toEqual([...a].map((v, i) => v - b[i]!));
  });

  it('answers typed requests with raw outputs, as Triton does, and filters requested outputs', async () => {
    const outcome = await modelInfer(fixture.client, {
      model_name: 'simple',
      inputs: [
        { name: 'INPUT0', datatype: 'INT32', shape: [1, 16], contents: { int_contents: new Array(16).fill(5) } },
        { name: 'INPUT1', datatype: 'INT32', shape: [1, 16], contents: { int_contents: new Array(16).fill(3) } },
      ],
      outputs: [{ name: 'OUTPUT1' }],
    });
    if (!outcome.ok) throw new Error(outcome.details);
    expect(outcome.response.outputs.map((o) => o.name)).toEqual(['OUTPUT1']);
    expect(outcome.response.outputs[0]!.contents).toBeNull();
    expect(outcome.response.raw_output_contents).toHaveLength(1);
    expect([...new Int32Array(new Uint8Array(outcome.response.raw_output_contents[0]!).buffer)]).toEqual(new Array(16).fill(2));
  });

  it('picks the newest version when none is named, and each version runs its own weights', async () => {
    const newest = await fixture.client.infer('mlp', mlpInput);
    const v1 = await fixture.client.infer('mlp', mlpInput, { version: '1' });
    const v2 = await fixture.client.infer('mlp', mlpInput, { version: '2' });
    expect(newest.modelVersion).toBe('2');
    expect(v1.outputs.output!.shape).toEqual([2, 10]);
    expect([...(newest.outputs.output!.data as Float32Array)]).toEqual([...(v2.outputs.output!.data as Float32Array)]);
    expect([...(v1.outputs.output!.data as Float32Array)]).not.toEqual([...(v2.outputs.output!.data as Float32Array)]);
  });

  it('reports metadata from the ONNX session', async () => {
    const metadata = await fixture.client.modelMetadata('mlp');
    expect(metadata).toMatchObject({
      name: 'mlp',
      versions: ['1', '2'],
      platform: 'onnxruntime_onnx',
      inputs: [{ name: 'input', datatype: 'FP32', shape: ['-1', '64'] }],
      outputs: [{ name: 'output', datatype: 'FP32', shape: ['-1', '10'] }],
    });
  });

  it('keeps serving every other model when one fails to load, and says which', async () => {
    expect(await fixture.client.modelReady('broken')).toBe(false);
    expect(await fixture.client.modelReady('simple')).toBe(true);
    expect(await fixture.client.serverLive()).toBe(true);
    const status = fixture.runner.store.versionsOf('broken')[0]!.status();
    expect(status.state).toBe('FAILED');
    expect(status.reason).not.toBe('');
  });

  it('refuses requests over the message size limit with RESOURCE_EXHAUSTED', async () => {
    const small = await startRunnerFixture({ maxMessageBytes: 64 * 1024 });
    try {
      const outcome = await modelInfer(small.client, {
        model_name: 'identity_uint8',
        inputs: [{ name: 'INPUT', datatype: 'UINT8', shape: [1, 100_000] }],
        raw_input_contents: [Buffer.alloc(100_000)],
      });
      expect(outcome).toMatchObject({ ok: false, code: status.RESOURCE_EXHAUSTED });
    } finally {
      await small.close();
    }
  }, 60_000);

  it('answers a stream in order, with bad requests as in-place errors that do not end it', async () => {
    const stream: ClientDuplexStream<ModelInferRequest, ModelStreamInferResponse__Output> = fixture.client.stub.ModelStreamInfer();
    const responses: ModelStreamInferResponse__Output[] = [];
    const done = new Promise<void>((resolve, reject) => {
      stream.on('data', (response: ModelStreamInferResponse__Output) => responses.push(response));
      stream.on('end', resolve);
      stream.on('error', reject);
    });
    for (let i = 0; i < 20; i++) {
      const bad = i % 7 === 3;
      stream.write({
        model_name: 'simple',
        id: `s${i}`,
        inputs: [
          { name: 'INPUT0', datatype: 'INT32', shape: [1, 16] },
          { name: 'INPUT1', datatype: 'INT32', shape: [1, 16] },
        ],
        raw_input_contents: [int32s(16, i), int32s(bad ? 3 : 16, 1)],
      });
    }
    stream.end();
    await done;
    expect(responses.map((r) => r.infer_response!.id)).toEqual(Array.from({ length: 20 }, (_, i) => `s${i}`));
    responses.forEach((response, i) => {
      if (i % 7 === 3) {
        expect(response.error_message).toBe("input 'INPUT1': expected 64 bytes of raw INT32 data (16 elements × 4), got 12");
      } else {
        expect(response.error_message).toBe('');
        expect(new Int32Array(new Uint8Array(response.infer_response!.raw_output_contents[0]!).buffer)[0]).toBe(i + 1);
      }
    });
  });
});
