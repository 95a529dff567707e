/**
 * Artifacts across machines, with real processes: a registry keeps its artifacts in its
 * store (its data folder, or an S3-compatible bucket: s3rver here, a real MinIO when
 * INFERMESH_TEST_S3_ENDPOINT is set), and a runner with a data folder of its own (nothing of
 * the registry's on its paths) loads a version by fetching it from the registry into its
 * artifact cache. Started again, the runner loads the version from its cache with no fetch.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mainScript, spawnService, type SpawnedService } from '@infermesh/common';
import { InferenceClient, RegistryClient } from '@infermesh/client';
import { mlpModel, startS3StandIn, waitFor, type S3StandIn } from '@infermesh/testkit';
import { mlpInput } from '../registry/models.js';

const FAST_REGISTRY = { port: 0, leaseMs: 2_000, runnerSyncMs: 250, unloadDelayMs: 5_000, statsReportMs: 200, loadRetryMs: 1_000 };
const FETCHED = '"msg":"artifact fetched into the cache"';
const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe.each(['local', 's3'] as const)('a runner on its own folder loads from the registry’s %s store', (storeType) => {
  let s3: S3StandIn | undefined;
  let registryDir: string;
  let runnerDir: string;
  let registryProcess: SpawnedService | undefined;
  let runnerProcess: SpawnedService | undefined;
  let registry: RegistryClient;
  let runnerConfig: string;
  /** Log lines of the runner process now running. */
  let runnerLines: string[] = [];

  const startRunner = async () => {
    runnerLines = [];
    runnerProcess = await spawnService({
      name: 'far-runner',
      script: mainScript('@infermesh/runners'),
      env: { INFERMESH_CONFIG: runnerConfig, INFERMESH_REGISTRY_ADDRESS: registryProcess!.address, INFERMESH_RUNNER_NAME: 'far-0' },
      onLine: (line) => runnerLines.push(line),
    });
  };
  const runnersOf = async () => (await registry.getModel('mlp')).versions.find((v) => v.version === 1)?.runners ?? [];

  beforeAll(async () => {
    registryDir = await mkdtemp(join(tmpdir(), 'infermesh-artifacts-registry-'));
    runnerDir = await mkdtemp(join(tmpdir(), 'infermesh-artifacts-runner-'));
    s3 = storeType === 's3' ? await startS3StandIn() : undefined;
    const store = s3 ? { type: 's3', bucket: s3.bucket, prefix: `e2e-${Date.now()}/`, endpoint: s3.endpoint, forcePathStyle: true } : { type: 'local' };
    const registryConfig = join(registryDir, 'infermesh.json');
    await writeFile(
      registryConfig,
      JSON.stringify({ dataDir: registryDir, runners: [{ name: 'unused', device: 'cpu' }], registry: { ...FAST_REGISTRY, artifacts: { store } } }),
    );
    runnerConfig = join(runnerDir, 'infermesh.json');
    await mkdir(join(runnerDir, 'models'));
    await writeFile(
      runnerConfig,
      JSON.stringify({ dataDir: runnerDir, runners: [{ name: 'far-0', device: 'cpu', port: 0, intraOpThreads: 1, artifactCache: { maxBytes: 64 * 1024 * 1024 } }] }),
    );
    registryProcess = await spawnService({
      name: 'registry',
      script: mainScript('@infermesh/registry'),
      env: { INFERMESH_CONFIG: registryConfig, ...(s3?.env ?? {}), AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
    registry = new RegistryClient(registryProcess.address);
    await startRunner();
    await waitFor(async () => (await registry.listRunners()).some((r) => r.name === 'far-0' && r.live), 30_000, 'the runner to join');
  }, 120_000);

  afterAll(async () => {
    registry?.close();
    await runnerProcess?.stop();
    await registryProcess?.stop();
    await s3?.close();
    await rm(registryDir, { recursive: true, force: true });
    await rm(runnerDir, { recursive: true, force: true });
  });

  it('fetches the version into the runner’s cache, checked by sha256, and serves it', async () => {
    const bytes = mlpModel(1);
    const source = join(registryDir, 'upload.onnx');
    await writeFile(source, bytes);
    const { version } = await registry.pushVersion({ model: 'mlp', version: 1, actor: 'test' }, source);
    expect(version!.sha256).toBe(sha(bytes));
    if (s3) {
      expect(version!.artifact_path).toMatch(new RegExp(`^s3://${s3.bucket}/e2e-\\d+/${sha(bytes)}\\.onnx$`));
      // The bytes live in the bucket only: the registry keeps no copy of its own.
      await expect(stat(join(registryDir, 'registry', 'artifacts'))).rejects.toThrow(/ENOENT/);
    } else {
      expect(version!.artifact_path).toBe(join(registryDir, 'registry', 'artifacts', `${sha(bytes)}.onnx`));
    }

    await registry.setRollout('mlp', { stable_version: 1 }, ['stable_version'], { actor: 'test' });
    await waitFor(async () => (await runnersOf()).includes('far-0'), 60_000, 'mlp v1 ready on the runner');
    const cached = join(runnerDir, 'runner-far-0', 'artifact-cache', `${sha(bytes)}.onnx`);
    expect(sha(await readFile(cached))).toBe(sha(bytes));
    expect(runnerLines.filter((line) => line.includes(FETCHED))).toHaveLength(1);

    const client = new InferenceClient(runnerProcess!.address);
    try {
      const result = await client.infer('mlp', mlpInput(), { timeoutMs: 10_000 });
      expect(result.modelVersion).toBe('1');
      expect(result.outputs.output?.shape).toEqual([1, 10]);
    } finally {
      client.close();
    }
  }, 90_000);

  it('loads the version from the cache, with no fetch, when the runner starts again', async () => {
    await runnerProcess!.stop();
    runnerProcess = undefined;
    await waitFor(async () => (await runnersOf()).length === 0, 30_000, 'the stopped runner to leave the routes');
    await startRunner();
    await waitFor(async () => (await runnersOf()).includes('far-0'), 60_000, 'mlp v1 ready on the restarted runner');
    expect(runnerLines.some((line) => line.includes('"msg":"loading model version"'))).toBe(true);
    expect(runnerLines.filter((line) => line.includes(FETCHED))).toHaveLength(0);
  }, 90_000);
});
