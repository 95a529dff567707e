/**
 * Importing a Triton repository into a real registry (in process, no runners): what is
 * imported, skipped and failed, each with its reason, and a signature mismatch retired.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importRepository, MAX_CONFIG_BYTES, modelLines, planRepository } from '@infermesh/cli';
import { startInProcessRegistry, type InProcessRegistry } from '../registry/in-process-registry.js';
import { writeTritonFixture, type TritonFixture } from './triton-repository-fixture.js';

let registry: InProcessRegistry;
let fixture: TritonFixture;

beforeAll(async () => {
  [registry, fixture] = await Promise.all([startInProcessRegistry(), writeTritonFixture()]);
});

afterAll(async () => {
  await registry?.close();
  await fixture?.remove();
});

describe('importing a Triton repository', () => {
  it('imports what it can and says why it skipped or failed each other model', async () => {
    const lines: string[] = [];
    const plans = await planRepository(fixture.root);
    const outcomes = await importRepository(registry.client, plans, {
      serve: false,
      waitTimeoutMs: 10_000,
      by: { actor: 'test', reason: 'import test' },
      say: (line) => lines.push(line),
    });
    expect(outcomes).toEqual([
      { name: 'bare', outcome: 'imported' },
      { name: 'broken', outcome: 'failed' },
      { name: 'good', outcome: 'imported' },
      { name: 'mismatch', outcome: 'failed' },
      { name: 'renamed', outcome: 'skipped' },
      { name: 'tf', outcome: 'skipped' },
    ]);
    const mismatch =
      "mismatch: FAILED: config.pbtxt does not match the ONNX file of v1: input 'INPUT0': config.pbtxt says INT8, the ONNX file INT32; " +
      "input 'INPUT1': dimension 1 is 8 in config.pbtxt, 16 in the ONNX file ([-1,8] vs [-1,16]); retired 1 version it registered";
    expect(lines).toEqual([
      'bare: imported v1 (device any; infermesh defaults)',
      "  note: no config.pbtxt: imported with infermesh's defaults (not batched: max_batch_size 0; any device); the signature comes from the ONNX file",
      'broken: FAILED: config.pbtxt line 2, column 16: expected \':\' or \'{\' after the field name \'max_batch_size\', got \'8\'',
      'good: imported v1, v2 (device any; max_batch_size 8, dynamic batching (delay 200 µs, preferred 4))',
      "  skipped folder '3': no model.onnx in it",
      "  skipped folder 'latest': not a version number",
      "  unsupported model_warmup: Triton's named warm-up samples are not imported; set `warmup` (count, batch_size, zero|random inputs) in the model config instead",
      mismatch,
      "  note: no platform or backend given: taken as onnxruntime, as Triton does for .onnx files",
      "renamed: skipped: name 'something_else' in config.pbtxt differs from its folder 'renamed'; Triton requires them to be equal",
      "tf: skipped: platform 'tensorflow_savedmodel': infermesh serves ONNX models with onnxruntime only (platform onnxruntime_onnx or backend onnxruntime)",
      // version_policy specific [1] serves v1, though v2 is newer.
      'bare: not served (--no-serve); serve v1 with: infermesh rollout set bare --stable 1',
      'good: not served (--no-serve); serve v1 with: infermesh rollout set good --stable 1',
    ]);

    const good = await registry.client.getModel('good');
    expect(good.versions.map((v) => [v.version, v.config_yaml, v.device, v.labels, v.source])).toEqual([
      [1, 'max_batch_size: 8\ndynamic_batching:\n  max_queue_delay_us: 200\n  preferred_batch_sizes: [4]\n', 'any', { 'imported-from': 'triton' }, 'upload:model.onnx'],
      [2, 'max_batch_size: 8\ndynamic_batching:\n  max_queue_delay_us: 200\n  preferred_batch_sizes: [4]\n', 'any', { 'imported-from': 'triton' }, 'upload:model.onnx'],
    ]);
    const retired = (await registry.client.getModel('mismatch')).versions[0]!;
    expect(retired).toMatchObject({ version: 1, status: 'VERSION_STATUS_RETIRED' });
    expect(retired.status_reason).toMatch(/^config\.pbtxt does not match the ONNX file of v1: input 'INPUT0': config\.pbtxt says INT8/);
    expect((await registry.client.listModels()).map((m) => m.name).sort()).toEqual(['bare', 'good', 'mismatch']);
  });

  it('imports only the models asked for, and refuses a name the repository lacks', async () => {
    expect((await planRepository(fixture.root, ['good', 'tf'])).map((plan) => [plan.name, plan.outcome, plan.stable])).toEqual([
      ['good', 'import', 1],
      ['tf', 'skipped', 0],
    ]);
    await expect(planRepository(fixture.root, ['good', 'nope'])).rejects.toThrow(
      `no model folder 'nope' in '${fixture.root}' (it has: bare, broken, good, mismatch, renamed, tf)`,
    );
    await expect(planRepository(`${fixture.root}/missing`)).rejects.toThrow(`no model repository at '${fixture.root}/missing'`);
  });

  it("picks the stable version by Triton's version policy, and refuses an oversized config.pbtxt", async () => {
    const root = await mkdtemp(join(tmpdir(), 'infermesh-triton-policy-'));
    try {
      const write = async (path: string, text: string) => {
        await mkdir(join(root, path, '..'), { recursive: true });
        await writeFile(join(root, path), text);
      };
      for (const version of [1, 2, 3]) {
        await write(`latest2/${version}/model.onnx`, 'not loaded while planning');
        await write(`pinned/${version}/model.onnx`, 'not loaded while planning');
      }
      await write('latest2/config.pbtxt', 'backend: "onnxruntime" version_policy { latest { num_versions: 2 } }');
      await write('pinned/config.pbtxt', 'backend: "onnxruntime" version_policy { specific { versions: [ 7 ] } }');
      await write('huge/config.pbtxt', `# ${'x'.repeat(MAX_CONFIG_BYTES)}\n`);
      await write('huge/1/model.onnx', '');
      const plans = await planRepository(root);
      expect(plans.map((plan) => [plan.name, plan.outcome, plan.stable])).toEqual([
        ['huge', 'failed', 0],
        ['latest2', 'import', 3],
        ['pinned', 'failed', 0],
      ]);
      expect(plans.flatMap((plan) => modelLines(plan, 'would import'))).toEqual([
        `huge: FAILED: config.pbtxt is ${MAX_CONFIG_BYTES + 3} bytes, over the limit of ${MAX_CONFIG_BYTES} (1 MiB)`,
        'latest2: would import v1, v2, v3 (device any; infermesh defaults)',
        '  note: Triton serves versions 2, 3 at once; infermesh serves the stable one (v3), and another only once a rollout uses it (canary or header rule)',
        'pinned: FAILED: version_policy specific 7 serves none of the versions found (1, 2, 3)',
      ]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
