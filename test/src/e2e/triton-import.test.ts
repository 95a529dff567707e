/**
 * `infermesh models import-triton` on Triton's quick-start repository
 * (../shared/triton-model-repository) against a real registry, runner and gateway: every
 * model is imported with its config.pbtxt mapped, serves, and answers as Triton would.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceAvailable, simpleModel } from '@infermesh/testkit';
import { startRegistryMesh, type RegistryMesh } from '../registry/registry-mesh.js';

const repository = fileURLToPath(new URL('../../../../shared/triton-model-repository', import.meta.url));
const available = serviceAvailable(
  "Triton's quick-start model repository",
  existsSync(repository),
  `expected at ${repository} (the shared folder beside the checkout)`,
);
/** The bin npm links for the cli workspace: what `npx infermesh` runs. */
const BIN = fileURLToPath(new URL('../../../node_modules/.bin/infermesh', import.meta.url));
const MODELS = ['simple', 'simple_int8', 'simple_string'];

describe.skipIf(!available)("importing Triton's model repository", () => {
  let mesh: RegistryMesh;
  let imported: { code: number; stdout: string; stderr: string };
  const importTriton = (dir: string): Promise<typeof imported> =>
    new Promise((resolve) => {
      const env = { ...process.env, INFERMESH_REGISTRY_ADDRESS: mesh.registryAddress };
      execFile(BIN, ['models', 'import-triton', dir], { env, timeout: 120_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  beforeAll(async () => {
    mesh = await startRegistryMesh({ devices: ['cpu'] });
    imported = await importTriton(repository);
  }, 180_000);
  afterAll(async () => {
    await mesh?.stop();
  });

  it('imports and serves every model, saying what it did', () => {
    expect(imported).toMatchObject({ code: 0, stderr: '' });
    const lines = imported.stdout.trimEnd().split('\n');
    for (const model of MODELS) {
      expect(lines).toContain(`${model}: imported v1 (device any; max_batch_size 8)`);
      expect(lines).toContain(`${model} v1 is ready on runner-0`);
      expect(lines).toContain(`${model}: stable v1`);
    }
    expect(lines.at(-1)).toBe('3 imported (simple, simple_int8, simple_string), 0 skipped, 0 failed');
  });

  it("keeps config.pbtxt's max_batch_size and makes v1 stable", async () => {
    for (const model of MODELS) {
      const found = await mesh.registry.getModel(model);
      expect(found.rollout).toMatchObject({ stable_version: 1, canary_version: 0 });
      expect(found.versions).toHaveLength(1);
      expect(found.versions[0]).toMatchObject({ version: 1, config_yaml: 'max_batch_size: 8\n', status: 'VERSION_STATUS_SERVING', runners: ['runner-0'] });
    }
  });

  const a = Array.from({ length: 16 }, (_, i) => i - 5);
  const b = Array.from({ length: 16 }, (_, i) => 3 * i);

  it('simple: INT32 sum and difference through the gateway', async () => {
    const result = await mesh.client.infer('simple', {
      INPUT0: { datatype: 'INT32', shape: [1, 16], data: Int32Array.from(a) },
      INPUT1: { datatype: 'INT32', shape: [1, 16], data: Int32Array.from(b) },
    });
    expect(result.modelVersion).toBe('1');
    expect([...(result.outputs.OUTPUT0!.data as Int32Array)]).toEqual(a.map((v, i) => v + b[i]!));
    expect([...(result.outputs.OUTPUT1!.data as Int32Array)]).toEqual(a.map((v, i) => v - b[i]!));
  });

  it('simple_int8: INT8 sum and difference', async () => {
    const result = await mesh.client.infer('simple_int8', {
      INPUT0: { datatype: 'INT8', shape: [1, 16], data: Int8Array.from(a) },
      INPUT1: { datatype: 'INT8', shape: [1, 16], data: Int8Array.from(b) },
    });
    expect([...(result.outputs.OUTPUT0!.data as Int8Array)]).toEqual(a.map((v, i) => v + b[i]!));
    expect([...(result.outputs.OUTPUT1!.data as Int8Array)]).toEqual(a.map((v, i) => v - b[i]!));
  });

  it('simple_string: BYTES numbers in, BYTES sums and differences out', async () => {
    const result = await mesh.client.infer('simple_string', {
      INPUT0: { datatype: 'BYTES', shape: [1, 16], data: a.map(String) },
      INPUT1: { datatype: 'BYTES', shape: [1, 16], data: b.map(String) },
    });
    expect(result.outputs.OUTPUT0!.data).toEqual(a.map((v, i) => String(v + b[i]!)));
    expect(result.outputs.OUTPUT1!.data).toEqual(a.map((v, i) => String(v - b[i]!)));
  });

  it('enforces the imported max_batch_size of 8', async () => {
    const rows = 9;
    const call = mesh.client.infer('simple', {
      INPUT0: { datatype: 'INT32', shape: [rows, 16], data: new Int32Array(rows * 16) },
      INPUT1: { datatype: 'INT32', shape: [rows, 16], data: new Int32Array(rows * 16) },
    });
    await expect(call).rejects.toMatchObject({ details: expect.stringContaining("batch size 9 is over the model's max_batch_size 8") });
  });

  it("moves a served model's stable version to a newer one through a canary at 0 %", async () => {
    // A copy of the repository's simple model with a v2 (our own build of the same contract).
    const copy = join(mesh.dataDir, 'triton-copy');
    await mkdir(join(copy, 'simple', '1'), { recursive: true });
    await mkdir(join(copy, 'simple', '2'));
    await writeFile(join(copy, 'simple', 'config.pbtxt'), await readFile(join(repository, 'simple', 'config.pbtxt')));
    await copyFile(join(repository, 'simple', '1', 'model.onnx'), join(copy, 'simple', '1', 'model.onnx'));
    await writeFile(join(copy, 'simple', '2', 'model.onnx'), simpleModel());

    const moved = await importTriton(copy);
    expect(moved).toMatchObject({ code: 0, stderr: '' });
    expect(moved.stdout).toContain('simple: imported v1 (already registered), v2 (device any; max_batch_size 8)\n');
    expect(moved.stdout).toContain('simple: stable v2 (was v1; loaded as a canary at 0 %, then promoted)\n');
    const history = await mesh.registry.history('simple');
    expect(history.map((event) => [event.action, event.stable_version, event.canary_version])).toEqual([
      ['SET', 1, 0],
      ['SET', 1, 2],
      ['PROMOTE', 2, 0],
    ]);
    const result = await mesh.client.infer('simple', {
      INPUT0: { datatype: 'INT32', shape: [1, 16], data: Int32Array.from(a) },
      INPUT1: { datatype: 'INT32', shape: [1, 16], data: Int32Array.from(b) },
    });
    expect(result.modelVersion).toBe('2');
    expect([...(result.outputs.OUTPUT0!.data as Int32Array)]).toEqual(a.map((v, i) => v + b[i]!));
  });
});
