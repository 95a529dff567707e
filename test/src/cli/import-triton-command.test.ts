/**
 * `infermesh models import-triton` as a child process against a registry: its output, a dry
 * run, and its exit status (0, 1 for a failed model, 2 with --strict for a skipped one).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInfermesh } from '../harness/index.js';
import { startInProcessRegistry, type InProcessRegistry } from '../registry/in-process-registry.js';
import { writeTritonFixture, type TritonFixture } from './triton-repository-fixture.js';

let registry: InProcessRegistry;
let fixture: TritonFixture;

const importTriton = (...args: string[]) => runInfermesh(['models', 'import-triton', fixture.root, '--registry', registry.registry.address, ...args]);

beforeAll(async () => {
  [registry, fixture] = await Promise.all([startInProcessRegistry(), writeTritonFixture()]);
});

afterAll(async () => {
  await registry?.close();
  await fixture?.remove();
});

describe('infermesh models import-triton', () => {
  it('prints the mapped config on a dry run and registers nothing', async () => {
    expect(await importTriton('--dry-run', '--models', 'good,bare')).toEqual({
      code: 0,
      stderr: '',
      stdout: [
        'bare: would import v1 (device any; infermesh defaults)',
        "  note: no config.pbtxt: imported with infermesh's defaults (not batched: max_batch_size 0; any device); the signature comes from the ONNX file",
        "  config_yaml: (empty: infermesh's defaults)",
        'good: would import v1, v2 (device any; max_batch_size 8, dynamic batching (delay 200 µs, preferred 4))',
        "  skipped folder '3': no model.onnx in it",
        "  skipped folder 'latest': not a version number",
        "  unsupported model_warmup: Triton's named warm-up samples are not imported; set `warmup` (count, batch_size, zero|random inputs) in the model config instead",
        '  config_yaml:',
        '    max_batch_size: 8',
        '    dynamic_batching:',
        '      max_queue_delay_us: 200',
        '      preferred_batch_sizes: [4]',
        '2 to import (bare, good), 0 skipped, 0 failed',
        '',
      ].join('\n'),
    });
    expect(await registry.client.listModels()).toEqual([]);
  });

  it('exits 0 with a skipped model, and 2 with --strict', async () => {
    const plain = await importTriton('--no-serve', '--models', 'good,tf');
    expect(plain).toMatchObject({ code: 0, stderr: '' });
    expect(plain.stdout.trimEnd().split('\n').at(-1)).toBe('1 imported (good), 1 skipped (tf), 0 failed');
    // Again: the versions are there with the same bytes, so nothing changes.
    expect(await importTriton('--no-serve', '--models', 'good,tf', '--strict')).toMatchObject({
      code: 2,
      stderr: 'infermesh: 1 of 2 models skipped (--strict): tf\n',
    });
    expect((await registry.client.getModel('good')).versions.map((v) => v.version)).toEqual([1, 2]);
  });

  it('exits 1 when a model fails, and says why on stdout', async () => {
    const failed = await importTriton('--no-serve', '--models', 'mismatch,broken');
    expect(failed.code).toBe(1);
    expect(failed.stderr).toBe('infermesh: 2 of 2 models failed: broken, mismatch (reasons above)\n');
    expect(failed.stdout).toContain("mismatch: FAILED: config.pbtxt does not match the ONNX file of v1: input 'INPUT0': config.pbtxt says INT8, the ONNX file INT32");
    expect(failed.stdout).toContain("broken: FAILED: config.pbtxt line 2, column 16: expected ':' or '{' after the field name 'max_batch_size', got '8'");
    expect(await importTriton('--models', 'nope')).toMatchObject({ code: 1, stderr: expect.stringMatching(/^infermesh: no model folder 'nope' in /) });
  });
});
