import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scanModelRepository } from './model-repository.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'infermesh-repo-'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

async function put(file: string, content = 'x'): Promise<void> {
  await mkdir(join(root, file, '..'), { recursive: true });
  await writeFile(join(root, file), content);
}

describe('model repository scan', () => {
  it('finds <model>/<version>/model.onnx and each model’s config.yaml, skipping the rest with a reason', async () => {
    await put('mlp/1/model.onnx');
    await put('mlp/2/model.onnx');
    await put('mlp/config.yaml', 'intra_op_threads: 1');
    await put('simple/1/model.onnx');
    await put('simple/latest/model.onnx');
    await put('simple/3/weights.bin');
    await put('bad name/1/model.onnx');
    const { models, skipped } = await scanModelRepository(root);
    expect(models.map((m) => `${m.name}/${m.version}`)).toEqual(['mlp/1', 'mlp/2', 'simple/1']);
    expect(models[0]!.configPath).toBe(join(root, 'mlp', 'config.yaml'));
    expect(models[2]!.configPath).toBeUndefined();
    expect(skipped.map((s) => [s.path.slice(root.length + 1), s.reason])).toEqual([
      ['bad name', 'not a valid model name (letters, digits, _ . -; at most 128)'],
      ['simple/3', 'no model.onnx'],
      ['simple/latest', 'version folders are positive integers'],
    ]);
  });

  it('fails clearly when the repository does not exist', async () => {
    await expect(scanModelRepository(join(root, 'missing'))).rejects.toThrow(/model repository .*missing does not exist/);
  });
});
