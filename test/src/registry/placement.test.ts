/**
 * Membership and placement with a registry and runners in this process: runners join and
 * leave, leases run out, versions go to their replicas on matching devices, versions no
 * rollout uses are unloaded after the delay, and a runner's own copy of a version is
 * replaced by the registry's.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { status } from '@grpc/grpc-js';
import type { Runner } from '@infermesh/runners';
import { exampleRepository, mlpModel, waitFor } from '@infermesh/testkit';
import { startInProcessRegistry, startRunnerOf, type InProcessRegistry } from './in-process-registry.js';

let registry: InProcessRegistry;
let repo: Awaited<ReturnType<typeof exampleRepository>>;
const runners: Runner[] = [];

async function startRunner(name: string, modelRepository: string): Promise<Runner> {
  const runner = await startRunnerOf(registry, name, modelRepository);
  runners.push(runner);
  return runner;
}

/** Versions a runner holds, as `model:version:STATE`. */
const held = (runner: Runner) => runner.store.all().map((v) => `${v.name}:${v.version}:${v.state}`);

beforeAll(async () => {
  // The test writes its artifacts into the data folder and registers them by path.
  registry = await startInProcessRegistry({ leaseMs: 1_200, runnerSyncMs: 100, unloadDelayMs: 300, loadRetryMs: 200, artifacts: { allowedDirs: ['.'] } });
  repo = await exampleRepository();
  const empty = join(registry.dataDir, 'empty');
  await mkdir(empty);
  await startRunner('cpu-a', empty);
  // This one serves the example repository, mlp v1 and v2 included, from its own files.
  await startRunner('cpu-b', repo.dir);
  await waitFor(async () => (await registry.client.listRunners()).filter((r) => r.live).length === 2, 30_000, 'both runners to join');
}, 60_000);

afterAll(async () => {
  await Promise.all(runners.map((runner) => runner.close()));
  await registry?.close();
  await repo?.remove();
});

describe('membership and placement', () => {
  it('loads the stable version on every matching runner, replacing a runner’s own copy with the registry’s', async () => {
    const source = join(registry.dataDir, 'mlp-1.onnx');
    await writeFile(source, mlpModel(1));
    const { version } = await registry.client.registerVersion({ model: 'mlp', version: 1, artifact: source });
    await registry.client.setRollout('mlp', { stable_version: 1 }, ['stable_version']);
    await waitFor(async () => (await registry.client.getModel('mlp')).versions[0]!.runners.length === 2, 20_000, 'mlp v1 on both runners');
    // Each runner loads the registry's bytes by sha256, from its own artifact cache.
    for (const runner of runners) {
      const loaded = runner.store.find('mlp', '1')?.source;
      expect(loaded?.artifactSha256).toBe(version!.sha256);
      expect(loaded?.modelPath).toBe(join(registry.dataDir, `runner-${runner === runners[0] ? 'cpu-a' : 'cpu-b'}`, 'artifact-cache', `${version!.sha256}.onnx`));
    }
    expect((await registry.client.getModel('mlp')).versions[0]).toMatchObject({ status: 'VERSION_STATUS_SERVING', runners: ['cpu-a', 'cpu-b'] });
    // mlp v2 of cpu-b's repository is not the registry's business: it stays.
    expect(held(runners[1]!)).toContain('mlp:2:READY');
  }, 30_000);

  it('keeps a version to its replicas and devices, and unloads it once no rollout uses it', async () => {
    const source = join(registry.dataDir, 'mlp-3.onnx');
    await writeFile(source, mlpModel(2));
    await registry.client.registerVersion({ model: 'mlp', version: 3, artifact: source, replicas: 1 });
    await registry.client.registerVersion({ model: 'mlp', version: 4, artifact: source, device: 'cuda' });
    await registry.client.setRollout('mlp', { canary_version: 3, canary_weight_bp: 0 }, ['canary_version', 'canary_weight_bp']);
    await waitFor(async () => (await registry.client.getModel('mlp')).versions.find((v) => v.version === 3)!.status === 'VERSION_STATUS_READY', 20_000, 'mlp v3 ready');
    expect(runners.filter((runner) => runner.store.find('mlp', '3')).length).toBe(1);

    await registry.client.setRollout('mlp', { canary_version: 4, canary_weight_bp: 100 }, ['canary_version', 'canary_weight_bp']);
    await waitFor(async () => runners.every((runner) => !runner.store.find('mlp', '3')), 20_000, 'mlp v3 to be unloaded');
    const v4 = (await registry.client.getModel('mlp')).versions.find((v) => v.version === 4)!;
    expect(v4).toMatchObject({ status: 'VERSION_STATUS_LOADING', status_reason: "no live runner matches device 'cuda'", runners: [] });
    await registry.client.rollback('mlp', { reason: 'no GPU here' });
  }, 30_000);

  it('takes a runner out when its lease runs out', async () => {
    const ghost = await registry.client.registerRunner({ name: 'ghost', address: '127.0.0.1:9', device: 'cuda:0' });
    expect(ghost).toEqual({ lease_ms: 1_200, heartbeat_ms: 400 });
    expect((await registry.client.listRunners()).find((r) => r.name === 'ghost')?.live).toBe(true);
    await waitFor(async () => (await registry.client.listRunners()).find((r) => r.name === 'ghost')?.live === false, 30_000, 'the ghost lease to run out');
    const heartbeat = await new Promise<{ code: number; details: string }>((resolve) =>
      registry.client.stub.Heartbeat({ name: 'nobody', address: '127.0.0.1:9' }, (error) => resolve(error!)),
    );
    expect(heartbeat).toMatchObject({ code: status.NOT_FOUND, details: "runner 'nobody' at 127.0.0.1:9 is not registered; register again" });
    // The real runners heartbeat, so they stayed live all along.
    expect((await registry.client.listRunners()).filter((r) => r.live).map((r) => r.name)).toEqual(['cpu-a', 'cpu-b']);
  }, 20_000);

  it('drops a runner that shuts down from the routes at once', async () => {
    const runner = runners.pop()!;
    await runner.close();
    expect((await registry.client.listRunners()).map((r) => r.name)).toEqual(['cpu-a', 'ghost']);
    expect((await registry.client.getModel('mlp')).versions[0]!.runners).toEqual(['cpu-a']);
  }, 20_000);
});
