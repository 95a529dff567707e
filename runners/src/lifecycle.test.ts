/**
 * RunnerControl.LoadModel and UnloadModel on a real runner in this process: versions come
 * and go while others serve, failures keep what serves, unloading drains accepted calls.
 */
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { status } from '@grpc/grpc-js';
import { silentLogger } from '@infermesh/common';
import { InferenceClient, type InputTensor } from '@infermesh/client';
import { exampleRepository, heavyModel, mlpModel, RunnerProbe, waitFor } from '@infermesh/testkit';
import { createRunner, type Runner } from './create-runner.js';

let repo: Awaited<ReturnType<typeof exampleRepository>>;
let work: string;
let runner: Runner;
let client: InferenceClient;
let control: RunnerProbe;
/** Artifacts outside the model repository, as LoadModel receives them. */
const artifact = { mlp1: '', heavy: '', broken: '' };

const mlpInput = (rows = 1): Record<string, InputTensor> => ({
  input: { datatype: 'FP32', shape: [rows, 64], data: Float32Array.from({ length: rows * 64 }, (_, i) => (i % 7) / 7) },
});
const heavyInput = (rows: number): Record<string, InputTensor> => ({
  input: { datatype: 'FP32', shape: [rows, 512], data: new Float32Array(rows * 512).fill(0.01) },
});

/** A call's outcome instead of a rejection. */
async function settle<T>(call: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; code: number; details: string }> {
  try {
    return { ok: true, value: await call };
  } catch (error) {
    const { code, details } = error as { code: number; details: string };
    return { ok: false, code, details };
  }
}

beforeAll(async () => {
  repo = await exampleRepository();
  work = await mkdtemp(join(tmpdir(), 'infermesh-lifecycle-'));
  await mkdir(join(work, 'artifacts'));
  artifact.mlp1 = join(work, 'artifacts', 'mlp-v1.onnx');
  artifact.heavy = join(work, 'artifacts', 'heavy.onnx');
  artifact.broken = join(work, 'artifacts', 'broken.onnx');
  await writeFile(artifact.mlp1, mlpModel(1));
  await writeFile(artifact.heavy, heavyModel());
  await writeFile(artifact.broken, 'not an onnx model');
  runner = await createRunner({
    name: 'test',
    device: 'cpu',
    host: '127.0.0.1',
    port: 0,
    modelRepository: repo.dir,
    dataDir: join(work, 'data'),
    intraOpThreads: 1,
    maxMessageBytes: 64 * 1024 * 1024,
    maxTensorElements: 1 << 24,
    logger: silentLogger(),
  });
  await runner.loaded;
  client = new InferenceClient(runner.address);
  control = new RunnerProbe(runner.address);
}, 60_000);

afterAll(async () => {
  client?.close();
  control?.close();
  await runner?.close();
  await repo?.remove();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('LoadModel and UnloadModel', () => {
  it('reports the runner’s memory, CPU time and where each version came from', async () => {
    const current = await control.status();
    expect(Number(current.rss_bytes)).toBeGreaterThan(0);
    // Loading the models took CPU time, and the process has been up at least that long.
    expect(Number(current.cpu_micros)).toBeGreaterThan(0);
    expect(Number(current.uptime_ms)).toBeGreaterThan(0);
    expect(current.models.find((m) => m.name === 'mlp' && m.version === '1')?.artifact_path).toBe(join(repo.dir, 'mlp', '1', 'model.onnx'));
  });

  it('loads a new version while another version of the model serves, and no call fails', async () => {
    const failures: string[] = [];
    const served = new Map<string, number>();
    let running = true;
    const caller = async () => {
      while (running) {
        const result = await settle(client.infer('mlp', mlpInput(), { timeoutMs: 10_000 }));
        if (result.ok) served.set(result.value.modelVersion, (served.get(result.value.modelVersion) ?? 0) + 1);
        else failures.push(`${result.code} ${result.details}`);
      }
    };
    const callers = Array.from({ length: 8 }, caller);
    await waitFor(async () => (served.get('2') ?? 0) > 50, 30_000, 'calls to version 2');

    const loaded = await control.loadModel({ name: 'mlp', version: '3', artifact_path: artifact.mlp1 });
    expect(loaded).toMatchObject({ ok: true, value: { name: 'mlp', version: '3', state: 'READY', artifact_path: artifact.mlp1 } });
    // Calls naming no version move to the newest READY version.
    await waitFor(async () => (served.get('3') ?? 0) > 50, 30_000, 'calls to version 3');
    running = false;
    await Promise.all(callers);

    expect(failures).toEqual([]);
    const v1 = await client.infer('mlp', mlpInput(2), { version: '1' });
    const v3 = await client.infer('mlp', mlpInput(2), { version: '3' });
    expect(v3.modelVersion).toBe('3');
    // Version 3 runs the artifact it was given: version 1's weights.
    expect([...(v3.outputs.output!.data as Float32Array)]).toEqual([...(v1.outputs.output!.data as Float32Array)]);
  });

  it('answers a version already READY from the same artifact without reloading it, and refuses another artifact', async () => {
    const before = runner.store.find('mlp', '3');
    expect(await control.loadModel({ name: 'mlp', version: '3', artifact_path: artifact.mlp1 })).toMatchObject({
      ok: true,
      value: { state: 'READY' },
    });
    expect(runner.store.find('mlp', '3')).toBe(before);
    expect(await control.loadModel({ name: 'mlp', version: '3', artifact_path: artifact.heavy })).toEqual({
      ok: false,
      code: status.FAILED_PRECONDITION,
      details: `model 'mlp' version 3 is already loaded from '${artifact.mlp1}'; unload it before loading '${artifact.heavy}'`,
    });
  });

  it('runs two loads of one version one after the other, so the version is loaded once', async () => {
    const [first, second] = await Promise.all([
      control.loadModel({ name: 'mlp', version: '5', artifact_path: artifact.mlp1 }),
      control.loadModel({ name: 'mlp', version: '5', artifact_path: artifact.mlp1 }),
    ]);
    expect(first).toMatchObject({ ok: true, value: { state: 'READY' } });
    expect(second).toMatchObject({ ok: true, value: { state: 'READY' } });
    expect(runner.store.versionsOf('mlp').filter((v) => v.version === '5')).toHaveLength(1);
    expect(await control.unloadModel('mlp', '5')).toMatchObject({ ok: true });
  });

  it('fails a load with the reason, lists the version FAILED, and keeps the others serving', async () => {
    const failed = await control.loadModel({ name: 'mlp', version: '4', artifact_path: artifact.broken });
    expect(failed).toMatchObject({ ok: false, code: status.INVALID_ARGUMENT });
    if (failed.ok) return;
    expect(failed.details).toMatch(/^model 'mlp' version 4 failed to load: .+/);
    const listed = await control.version('mlp', '4');
    expect(listed).toMatchObject({ state: 'FAILED', artifact_path: artifact.broken });
    expect(failed.details).toBe(`model 'mlp' version 4 failed to load: ${listed!.reason}`);

    for (const version of ['1', '2', '3']) expect((await client.infer('mlp', mlpInput(), { version })).modelVersion).toBe(version);
    expect((await client.infer('mlp', mlpInput())).modelVersion).toBe('3');

    // A config the model cannot take fails the same way, naming the key.
    const badConfig = await control.loadModel({ name: 'mlp', version: '6', artifact_path: artifact.mlp1, config_yaml: 'max_queue_size: 0\n' });
    expect(badConfig).toMatchObject({ ok: false, code: status.INVALID_ARGUMENT });
    expect(!badConfig.ok && badConfig.details).toMatch(/^model 'mlp' version 6 failed to load: .*max_queue_size/);

    // Loading a FAILED version again replaces it.
    expect(await control.loadModel({ name: 'mlp', version: '4', artifact_path: artifact.mlp1 })).toMatchObject({
      ok: true,
      value: { state: 'READY', reason: '' },
    });
    expect((await client.infer('mlp', mlpInput())).modelVersion).toBe('4');
    for (const version of ['4', '6']) expect(await control.unloadModel('mlp', version)).toMatchObject({ ok: true });
  });

  it('unloads a version: accepted calls finish, later calls are refused, then it is gone', async () => {
    const configFile = join(work, 'data', 'runner-test', 'configs', 'heavy', '2.yaml');
    const loaded = await control.loadModel({ name: 'heavy', version: '2', artifact_path: artifact.heavy, config_yaml: 'intra_op_threads: 2\n' });
    expect(loaded).toMatchObject({ ok: true, value: { state: 'READY' } });
    expect((await stat(configFile)).isFile()).toBe(true);

    // Each call should run long enough (~1 s) for all three to be seen in flight and for the
    // unload to start while they are, on a fast machine and a slow one alike: size the batch
    // from timed calls. The first call on a new session pays for its set-up, so it measures
    // nothing (a CI run that sized from it got calls of a few milliseconds, done before the
    // test could see three in flight); the one sized from takes at least 200 ms.
    const timed = async (batch: number) => {
      const started = performance.now();
      await client.infer('heavy', heavyInput(batch), { version: '2' });
      return performance.now() - started;
    };
    await timed(1);
    let rows = 16;
    let ms = await timed(rows);
    while (ms < 200 && rows < 8192) ms = await timed((rows *= 4));
    rows = Math.min(8192, Math.max(1, Math.round((rows * 1000) / ms)));
    const accepted = Array.from({ length: 3 }, () => settle(client.infer('heavy', heavyInput(rows), { version: '2', timeoutMs: 60_000 })));
    await waitFor(async () => (await control.version('heavy', '2'))?.in_flight === 3, 30_000, 'three calls in flight');

    const unloading = control.unloadModel('heavy', '2');
    await waitFor(async () => (await control.version('heavy', '2'))?.state === 'UNLOADING', 30_000, 'heavy 2 to be unloading');
    const refused = await settle(client.infer('heavy', heavyInput(1), { version: '2' }));
    expect(refused).toEqual({ ok: false, code: status.UNAVAILABLE, details: "model 'heavy' version 2 is unloading" });

    expect(await unloading).toMatchObject({ ok: true });
    // Freeing the sessions before they finished would have failed them with UNAVAILABLE.
    for (const result of await Promise.all(accepted)) {
      expect(result).toMatchObject({ ok: true, value: { modelVersion: '2', outputs: { output: { shape: [rows, 512] } } } });
    }

    expect(await control.version('heavy', '2')).toBeUndefined();
    expect(await control.version('heavy', '1')).toMatchObject({ state: 'READY' });
    expect(await settle(client.infer('heavy', heavyInput(1), { version: '2' }))).toMatchObject({ ok: false, code: status.NOT_FOUND });
    await expect(stat(configFile)).rejects.toThrow();
  }, 60_000);

  it('answers FAILED_PRECONDITION when the runner’s device cannot take the version', async () => {
    const empty = join(work, 'empty-repository');
    await mkdir(empty);
    const gpuRunner = await createRunner({
      name: 'gpu',
      device: 'cuda:1',
      host: '127.0.0.1',
      port: 0,
      modelRepository: empty,
      dataDir: join(work, 'data'),
      intraOpThreads: 1,
      maxMessageBytes: 64 * 1024 * 1024,
      maxTensorElements: 1 << 24,
      logger: silentLogger(),
    });
    const gpuControl = new RunnerProbe(gpuRunner.address);
    try {
      const failed = await gpuControl.loadModel({ name: 'mlp', version: '1', artifact_path: artifact.mlp1 });
      expect(failed).toMatchObject({ ok: false, code: status.FAILED_PRECONDITION });
      expect(!failed.ok && failed.details).toMatch(/^model 'mlp' version 1 failed to load: device cuda:1: /);
      expect(await gpuControl.version('mlp', '1')).toMatchObject({ state: 'FAILED' });
    } finally {
      gpuControl.close();
      await gpuRunner.close();
    }
  });

  it('names the field at fault in a bad request', async () => {
    const load = (args: Partial<{ name: string; version: string; artifact_path: string; config_yaml: string }>) =>
      control.loadModel({ name: 'mlp', version: '7', artifact_path: artifact.mlp1, ...args });
    const invalid = (details: string) => ({ ok: false, code: status.INVALID_ARGUMENT, details });
    expect(await load({ name: 'bad name' })).toEqual(
      invalid("name: expected a model name (letters, digits, _ . -; at most 128 characters), got 'bad name'"),
    );
    expect(await load({ name: '' })).toEqual(invalid("name: expected a model name (letters, digits, _ . -; at most 128 characters), got ''"));
    expect(await load({ version: '0' })).toEqual(invalid("version: expected a positive integer, got '0'"));
    expect(await load({ version: 'latest' })).toEqual(invalid("version: expected a positive integer, got 'latest'"));
    expect(await load({ artifact_path: '' })).toEqual(invalid('artifact_path: required (path of an .onnx file)'));
    const missing = join(work, 'artifacts', 'nope.onnx');
    expect(await load({ artifact_path: missing })).toEqual(invalid(`artifact_path: no file at '${missing}' on the runner's machine`));
    const folder = join(work, 'artifacts');
    expect(await load({ artifact_path: folder })).toEqual(invalid(`artifact_path: '${folder}' is not a file`));
    expect(await load({ config_yaml: '#'.repeat(64 * 1024 + 1) })).toEqual(invalid('config_yaml: 65537 bytes is over the limit of 65536'));
    const byHash = (sha256: string, size: number) => control.loadModel({ name: 'mlp', version: '7', artifact_path: '', artifact_sha256: sha256, artifact_size_bytes: size });
    expect(await byHash('XYZ', 10)).toEqual(invalid("artifact_sha256: expected 64 lowercase hex digits, got 'XYZ'"));
    expect(await byHash('ab'.repeat(32), 0)).toEqual(invalid("artifact_size_bytes: expected the artifact's size in bytes with artifact_sha256, got '0'"));
    // This runner registers with no registry: it has nowhere to fetch an artifact from.
    expect(await byHash('ab'.repeat(32), 1000)).toEqual({
      ok: false,
      code: status.FAILED_PRECONDITION,
      details: `artifact ${'ab'.repeat(32)}: this runner has no registry to fetch it from (INFERMESH_REGISTRY_ADDRESS)`,
    });
    expect(runner.store.find('mlp', '7')).toBeUndefined();

    expect(await control.unloadModel('mlp', 'x')).toEqual(invalid("version: expected a positive integer, got 'x'"));
    expect(await control.unloadModel('nope', '1')).toEqual({ ok: false, code: status.NOT_FOUND, details: "unknown model 'nope'" });
    expect(await control.unloadModel('mlp', '9')).toEqual({
      ok: false,
      code: status.NOT_FOUND,
      details: "model 'mlp' has no version '9' (versions: 1, 2, 3)",
    });
  });
});
