/**
 * `infermesh models push` and `infermesh rollout set` as child processes against a registry:
 * a model config the runners would refuse is refused before the upload, and a canary whose
 * signature differs from stable's is refused unless --force.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mlpModel, simpleModel } from '@infermesh/testkit';
import { runInfermesh } from '../harness/index.js';
import { startInProcessRegistry, type InProcessRegistry } from '../registry/in-process-registry.js';

let registry: InProcessRegistry;

const infermesh = (...args: string[]) => runInfermesh([...args, '--registry', registry.registry.address]);

const file = async (name: string, content: Uint8Array | string) => {
  const path = join(registry.dataDir, name);
  await writeFile(path, content);
  return path;
};

beforeAll(async () => {
  registry = await startInProcessRegistry();
  expect((await infermesh('models', 'push', 'mlp', await file('mlp-1.onnx', mlpModel(1)), '--version', '1')).code).toBe(0);
  expect(await infermesh('rollout', 'set', 'mlp', '--stable', '1', '--no-wait')).toMatchObject({ code: 0, stdout: 'mlp: stable v1\n' });
}, 60_000);

afterAll(async () => {
  await registry?.close();
});

describe('safe rollouts from the CLI', () => {
  it('refuses to push a model config with a key the runners do not know, naming it', async () => {
    const config = await file('bad.yaml', 'instance: 2\n');
    const pushed = await infermesh('models', 'push', 'mlp', await file('mlp-2.onnx', mlpModel(2)), '--model-config', config);
    expect(pushed.code).toBe(1);
    expect(pushed.stdout).toBe('');
    expect(pushed.stderr).toContain(`argument '${config}' is invalid. ${config}: instance: unknown key (keys: max_batch_size, dynamic_batching, `);
    expect((await registry.client.getModel('mlp')).versions.map((v) => v.version)).toEqual([1]);
  }, 60_000);

  it('refuses a canary with another signature, naming the difference, and takes it with --force', async () => {
    const pushed = await infermesh('models', 'push', 'mlp', await file('simple.onnx', simpleModel()), '--version', '2');
    expect(pushed.code).toBe(0);
    expect(pushed.stdout).toContain("warning: its signature differs from stable v1's (input FP32 [-1,64] → output FP32 [-1,10])");

    const refused = await infermesh('rollout', 'set', 'mlp', '--canary', '2', '--weight', '10');
    expect(refused).toEqual({
      code: 1,
      stdout: '',
      stderr:
        "infermesh: FAILED_PRECONDITION: canary_version: the signature of model 'mlp' version 2 is not compatible with stable version 1's: " +
        "input 'input' is FP32 [-1,64] in v1 but v2 has no such input; callers' requests would fail. Set force (infermesh rollout set --force) to use it anyway\n",
    });
    expect((await registry.client.getModel('mlp')).rollout!.canary_version).toBe(0);

    expect(await infermesh('rollout', 'set', 'mlp', '--canary', '2', '--weight', '10', '--force', '--no-wait')).toMatchObject({
      code: 0,
      stdout: 'mlp: stable v1, canary v2 at 10 %\n',
    });
  }, 60_000);
});
