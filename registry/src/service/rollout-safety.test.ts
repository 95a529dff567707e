/**
 * Safe rollouts through the registry's API: a canary, or a stable version replacing another,
 * whose signature does not take stable's requests is refused unless forced; a canary that
 * refuses more requests with INVALID_ARGUMENT than stable is rolled back automatically.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { status } from '@grpc/grpc-js';
import type { VersionStats } from '@infermesh/proto/registry';
import { DataType, floatInitializer, mlpModel, node, serializeModel, simpleModel, valueInfo, waitFor, type Dim } from '@infermesh/testkit';
import { startInProcessRegistry, type InProcessRegistry } from '../in-process-registry.test-helper.js';

let registry: InProcessRegistry;
const outcome = (promise: Promise<unknown>) =>
  promise.then(
    () => 'ok',
    (error: { code: number; details: string }) => `${status[error.code]}: ${error.details}`,
  );

/** "input" FP32 `input` → MatMul → "output" FP32 [input[0], columns]: `mlp`'s names with other dimensions. */
function matmulModel(input: [Dim, number], columns: number): Uint8Array {
  return serializeModel({
    name: 'matmul',
    nodes: [node('MatMul', ['input', 'W'], ['output'])],
    inputs: [valueInfo('input', DataType.FLOAT, input)],
    outputs: [valueInfo('output', DataType.FLOAT, [input[0], columns])],
    initializers: [floatInitializer('W', [input[1], columns], new Float32Array(input[1] * columns).fill(0.1))],
  });
}

async function register(model: string, version: number, bytes: Uint8Array): Promise<void> {
  const file = join(registry.dataDir, `${model}-${version}.onnx`);
  await writeFile(file, bytes);
  await registry.client.registerVersion({ model, version, artifact: file });
}

const canary = (version: number, force = false) =>
  registry.client.setRollout('mlp', { canary_version: version, canary_weight_bp: 1_000 }, ['canary_version', 'canary_weight_bp'], { force });

beforeAll(async () => {
  // The test writes its artifacts into the data folder and registers them by path.
  registry = await startInProcessRegistry({ rollbackPolicy: { minRequests: 20, maxErrorRate: 0.05 }, artifacts: { allowedDirs: ['.'] } });
  await register('mlp', 1, mlpModel(1));
  await register('mlp', 2, simpleModel());
  await register('mlp', 3, mlpModel(2));
  await register('mlp', 4, matmulModel([4, 64], 10));
  await register('mlp', 5, matmulModel([-1, 32], 10));
  await registry.client.setRollout('mlp', { stable_version: 1 }, ['stable_version']);
}, 60_000);

afterAll(async () => {
  await registry?.close();
});

describe('signature compatibility of a rollout', () => {
  it('refuses a canary whose signature differs from stable, naming the first difference, until forced', async () => {
    expect(await outcome(canary(2))).toBe(
      "FAILED_PRECONDITION: canary_version: the signature of model 'mlp' version 2 is not compatible with stable version 1's: " +
        "input 'input' is FP32 [-1,64] in v1 but v2 has no such input; callers' requests would fail. Set force (infermesh rollout set --force) to use it anyway",
    );
    expect(await outcome(canary(5))).toMatch(/^FAILED_PRECONDITION: canary_version: .*input 'input' is FP32 \[-1,64\] in v1 but FP32 \[-1,32\] in v5;/);
    // Nothing changed.
    expect((await registry.client.getModel('mlp')).rollout).toMatchObject({ stable_version: 1, canary_version: 0 });
    expect((await registry.client.history('mlp')).length).toBe(1);

    // Same names and datatypes, and dimensions equal or variable on one side: compatible.
    expect((await canary(3)).rollout).toMatchObject({ canary_version: 3 });
    expect((await canary(4)).rollout).toMatchObject({ canary_version: 4 });
    expect((await canary(2, true)).rollout).toMatchObject({ stable_version: 1, canary_version: 2, canary_weight_bp: 1_000 });
  });

  it('refuses a stable version that replaces stable with another signature, until forced', async () => {
    const stable = (version: number, force = false) => outcome(registry.client.setRollout('mlp', { stable_version: version }, ['stable_version'], { force }));
    expect(await stable(5)).toMatch(/^FAILED_PRECONDITION: stable_version: the signature of model 'mlp' version 5 is not compatible with stable version 1's: /);
    // Forced, it passes the signature check and meets the next one: v5 is ready on no runner.
    expect(await stable(5, true)).toMatch(/^FAILED_PRECONDITION: stable_version: model 'mlp' version 5 is not ready on any runner/);
  });
});

describe('automatic rollback on INVALID_ARGUMENT', () => {
  const report = (stats: VersionStats[]) =>
    new Promise<void>((resolve, reject) => registry.client.stub.ReportStats({ gateway: 'g', stats }, (error) => (error ? reject(error) : resolve())));
  const calls = (version: number, requests: number, invalid: number): VersionStats => ({
    model: 'mlp',
    version,
    requests,
    errors: 0,
    invalid_arguments: invalid,
    latency: [{ le_ms: 1, count: requests }],
  });

  it('rolls back a canary that refuses more requests than stable, with the reason', async () => {
    // The forced canary v2 refuses every `mlp` request; stable refuses a few callers' mistakes.
    await report([calls(1, 200, 4), calls(2, 20, 1)]);
    expect((await registry.client.getModel('mlp')).rollout!.canary_version).toBe(2);
    await report([calls(2, 20, 20)]);
    await waitFor(async () => (await registry.client.getModel('mlp')).rollout!.canary_version === 0, 10_000, 'the canary to be rolled back');
    const event = (await registry.client.history('mlp')).at(-1)!;
    const reason =
      "canary v2 refused 52.5 % of calls with INVALID_ARGUMENT (21 of 40 in the last 60 s), stable v1 2.0 %: over stable's by more than the policy's 5.0 %";
    expect(event).toMatchObject({ action: 'AUTO_ROLLBACK', version: 2, reason });
    expect((await registry.client.getModel('mlp')).versions.find((v) => v.version === 2)).toMatchObject({ status: 'VERSION_STATUS_FAILED', status_reason: reason });
  });
});
