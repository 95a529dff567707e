/**
 * A version that every runner fails to load: the registry marks it failed with each runner's
 * reason as soon as the last one reports, instead of loading forever, and a rollout that
 * takes it up again gives it another chance.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunner, type Runner } from '@infermesh/runners';
import { inProcessRunnerSettings, mlpModel, waitFor } from '@infermesh/testkit';
import { startInProcessRegistry, type InProcessRegistry } from './in-process-registry.js';
import { failingMlpModel } from './models.js';

let registry: InProcessRegistry;
const runners: Runner[] = [];

const versionOf = async (version: number) => (await registry.client.getModel('mlp')).versions.find((v) => v.version === version)!;

beforeAll(async () => {
  // Retries far apart, so that the test sees the failure before any runner is asked again.
  // The test registers its artifacts by path from the data folder.
  registry = await startInProcessRegistry({ leaseMs: 2_000, runnerSyncMs: 100, loadRetryMs: 600_000, artifacts: { allowedDirs: ['.'] } });
  const empty = join(registry.dataDir, 'empty');
  await mkdir(empty);
  for (const name of ['cpu-a', 'cpu-b']) {
    runners.push(await createRunner({ ...inProcessRunnerSettings(empty), name, dataDir: registry.dataDir, registry: registry.registry.address }));
  }
  await waitFor(async () => (await registry.client.listRunners()).filter((r) => r.live).length === 2, 30_000, 'both runners to join');
  for (const [version, bytes, config] of [
    [1, mlpModel(1), ''],
    // Valid by every schema, but its warm-up run fails inside onnxruntime on every runner.
    [2, failingMlpModel(), 'warmup:\n  count: 1\n'],
  ] as const) {
    const source = join(registry.dataDir, `mlp-${version}.onnx`);
    await writeFile(source, bytes);
    await registry.client.registerVersion({ model: 'mlp', version, artifact: source, config_yaml: config });
  }
  await registry.client.setRollout('mlp', { stable_version: 1 }, ['stable_version']);
  await waitFor(async () => (await versionOf(1)).runners.length === 2, 30_000, 'mlp v1 on both runners');
}, 60_000);

afterAll(async () => {
  await Promise.all(runners.map((runner) => runner.close()));
  await registry?.close();
});

describe('a version no runner can load', () => {
  it('is failed with every runner’s reason once all of them reported, and keeps the stable version serving', async () => {
    await registry.client.setRollout('mlp', { canary_version: 2, canary_weight_bp: 1_000 }, ['canary_version', 'canary_weight_bp']);
    const settled = ['VERSION_STATUS_FAILED', 'VERSION_STATUS_READY', 'VERSION_STATUS_SERVING'];
    await waitFor(async () => settled.includes((await versionOf(2)).status), 30_000, 'mlp v2 to be loaded or failed');
    const failed = await versionOf(2);
    expect(failed.status).toBe('VERSION_STATUS_FAILED');
    expect(failed.status_reason).toMatch(/^every runner failed to load it: cpu-a: model 'mlp' version 2 failed to load: [\s\S]+; cpu-b: model 'mlp' version 2 failed to load: /);
    expect(failed.runners).toEqual([]);
    expect(await versionOf(1)).toMatchObject({ status: 'VERSION_STATUS_SERVING', runners: ['cpu-a', 'cpu-b'] });
  }, 40_000);

  it('stays failed once rolled back, and gets another chance when a rollout takes it up again', async () => {
    await registry.client.rollback('mlp', { reason: 'cannot load' });
    expect(await versionOf(2)).toMatchObject({ status: 'VERSION_STATUS_FAILED', status_reason: 'cannot load' });
    const again = await registry.client.setRollout('mlp', { canary_version: 2 }, ['canary_version']);
    expect(again.versions.find((v) => v.version === 2)).toMatchObject({ status: 'VERSION_STATUS_REGISTERED' });
    // The runners' failures still stand (their retry is far off): failed again, with their reasons.
    await waitFor(async () => (await versionOf(2)).status === 'VERSION_STATUS_FAILED', 30_000, 'mlp v2 to be failed again');
    expect((await versionOf(2)).status_reason).toMatch(/^every runner failed to load it: cpu-a: /);
  }, 40_000);
});
