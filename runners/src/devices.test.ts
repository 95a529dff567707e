/**
 * A runner that owns `cuda:1` on a machine without onnxruntime's CUDA provider (this one):
 * loading fails with a reason that says so, unless the model allows a CPU fallback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { status } from '@grpc/grpc-js';
import { mlpModel, modelInfer } from '@infermesh/testkit';
import { startRunnerWith, type RunnerFixture } from './runner-fixture.test-helper.js';

let fixture: RunnerFixture;
beforeAll(async () => {
  fixture = await startRunnerWith(
    [
      { name: 'gpu_only', bytes: mlpModel(1) },
      { name: 'gpu_or_cpu', bytes: mlpModel(1), config: { allow_cpu_fallback: true } },
    ],
    'cuda:1',
  );
}, 60_000);
afterAll(() => fixture?.close());

describe('a cuda:1 runner without the CUDA provider', () => {
  it('fails the load with a reason naming the device and the missing provider, with no silent CPU fallback', async () => {
    const version = fixture.runner.store.versionsOf('gpu_only')[0]!.status();
    expect(version).toMatchObject({
      state: 'FAILED',
      reason: "device cuda:1: onnxruntime's CUDA execution provider is not installed (see docs/gpus.md)",
    });
    const outcome = await modelInfer(fixture.client, { model_name: 'gpu_only', model_version: '1' });
    expect(outcome).toEqual({
      ok: false,
      code: status.UNAVAILABLE,
      details:
        "model 'gpu_only' version 1 failed to load: device cuda:1: onnxruntime's CUDA execution provider is not installed (see docs/gpus.md)",
    });
  });

  it('runs on the CPU when the model config says allow_cpu_fallback, and says where it runs', async () => {
    expect(fixture.runner.store.versionsOf('gpu_or_cpu')[0]!.status()).toMatchObject({ state: 'READY', device: 'cpu' });
    const result = await fixture.client.infer('gpu_or_cpu', { input: { datatype: 'FP32', shape: [1, 64], data: new Float32Array(64).fill(1) } });
    expect(result.outputs.output!.shape).toEqual([1, 10]);
  });
});
