import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readModelConfig } from './model-config.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'infermesh-repo-'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

async function put(file: string, content = 'x'): Promise<void> {
  await mkdir(join(root, file, '..'), { recursive: true });
  await writeFile(join(root, file), content);
}

describe('model config file', () => {
  it('applies defaults when there is no file', async () => {
    expect(await readModelConfig(undefined)).toEqual({
      max_batch_size: 0,
      max_queue_size: 1024,
      default_queue_timeout_us: 0,
      instances: 1,
      graph_optimization_level: 'all',
      allow_cpu_fallback: false,
      priority_levels: 0,
      priority_queue_policy: {},
    });
  });

  it('fills dynamic batching defaults and checks them against max_batch_size', async () => {
    await put('b/config.yaml', 'max_batch_size: 8\ndynamic_batching: {}\n');
    expect(await readModelConfig(join(root, 'b/config.yaml'))).toMatchObject({
      max_batch_size: 8,
      dynamic_batching: { max_queue_delay_us: 100, preferred_batch_sizes: [] },
    });
    await put('c/config.yaml', 'dynamic_batching:\n  preferred_batch_sizes: [4]\n');
    await expect(readModelConfig(join(root, 'c/config.yaml'))).rejects.toThrow(
      /dynamic_batching: needs max_batch_size > 0; dynamic_batching\.preferred_batch_sizes: 4 is over max_batch_size 0/,
    );
  });

  it('names the key at fault, and refuses unknown keys', async () => {
    await put('m/config.yaml', 'max_queue_size: 0\nbatching: true\n');
    await expect(readModelConfig(join(root, 'm/config.yaml'))).rejects.toThrow(
      /config\.yaml: max_queue_size: .*; batching: unknown key \(keys: max_batch_size, /,
    );
  });
});
