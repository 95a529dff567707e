/**
 * A runner's artifact cache under placement: with room for one artifact, another model's
 * version cannot evict the artifact of the version the runner serves, so its load fails with
 * the cache's reason on the version's status; once the first version is unloaded its
 * artifact is free to go, and the other one loads.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@infermesh/common';
import { createRunner, type Runner } from '@infermesh/runners';
import { mlpModel, waitFor } from '@infermesh/testkit';
import { startInProcessRegistry, type InProcessRegistry } from './in-process-registry.js';

let registry: InProcessRegistry;
let runner: Runner;
const v1 = mlpModel(1);
const v2 = mlpModel(2);

beforeAll(async () => {
  registry = await startInProcessRegistry({ leaseMs: 1_200, runnerSyncMs: 100, unloadDelayMs: 300, loadRetryMs: 200, artifacts: { allowedDirs: ['.'] } });
  await mkdir(join(registry.dataDir, 'no-repository'));
  runner = await createRunner({
    name: 'cpu-a',
    device: 'cpu',
    host: '127.0.0.1',
    port: 0,
    modelRepository: join(registry.dataDir, 'no-repository'),
    dataDir: join(registry.dataDir, 'runner-data'),
    intraOpThreads: 1,
    maxMessageBytes: 1 << 26,
    maxTensorElements: 1 << 24,
    logger: silentLogger(),
    registry: registry.registry.address,
    // Room for one of the two artifacts, not both.
    artifactCache: { dir: join(registry.dataDir, 'runner-data', 'cache'), maxBytes: Math.max(v1.length, v2.length) + 100 },
  });
  await waitFor(async () => (await registry.client.listRunners()).some((r) => r.live), 30_000, 'the runner to join');
}, 60_000);

afterAll(async () => {
  await runner?.close();
  await registry?.close();
});

describe('artifact cache under placement', () => {
  it('never evicts the artifact of a loaded version, says why another cannot load, and loads it once the first is unloaded', async () => {
    for (const [model, bytes] of [['mlp', v1], ['other', v2]] as const) {
      const file = join(registry.dataDir, `${model}.onnx`);
      await writeFile(file, bytes);
      await registry.client.registerVersion({ model, version: 1, artifact: file });
    }
    await registry.client.setRollout('mlp', { stable_version: 1 }, ['stable_version']);
    await waitFor(async () => runner.store.find('mlp', '1')?.state === 'READY', 20_000, 'mlp v1 ready');

    await registry.client.setRollout('other', { stable_version: 1 }, ['stable_version']);
    const reasonOfOther = async () => (await registry.client.getModel('other')).versions[0]!.status_reason;
    await waitFor(async () => (await reasonOfOther()).includes('artifact cache full'), 20_000, 'the cache-full reason on other v1');
    expect(await reasonOfOther()).toMatch(/cpu-a: artifact cache full: \d+ more bytes do not fit in runners\[\]\.artifactCache\.maxBytes = \d+; \d+ are held by loaded versions/);
    expect(runner.store.find('mlp', '1')?.state).toBe('READY');

    // mlp is taken out of service: its version is unloaded after the delay, its artifact let go, and other v1 takes its place.
    await registry.client.unload('mlp');
    await waitFor(async () => runner.store.find('other', '1')?.state === 'READY', 30_000, 'other v1 ready once mlp v1 left');
    expect(runner.store.find('mlp', '1')).toBeUndefined();
  }, 60_000);
});
