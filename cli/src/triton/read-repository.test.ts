import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planModel } from './plan-model.js';
import { listModelFolders } from './read-repository.js';

let base: string;
let root: string;

beforeAll(async () => {
  base = await realpath(await mkdtemp(join(tmpdir(), 'infermesh-triton-links-')));
  root = join(base, 'repo');
  const write = async (path: string, text: string) => {
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(path, text);
  };
  await write(join(base, 'secret', 'id_rsa'), 'PRIVATE KEY');
  await write(join(base, 'secret', 'config.pbtxt'), 'backend: "onnxruntime"');
  await write(join(base, 'elsewhere', '1', 'model.onnx'), 'outside');
  // m: v1 links to a key outside, v2 is a real file, v3 links to a file inside the repository.
  await mkdir(join(root, 'm', '1'), { recursive: true });
  await symlink(join(base, 'secret', 'id_rsa'), join(root, 'm', '1', 'model.onnx'));
  await write(join(root, 'm', '2', 'model.onnx'), 'inside');
  await write(join(root, 'shared', 'model.onnx'), 'inside too');
  await mkdir(join(root, 'm', '3'), { recursive: true });
  await symlink('../../shared/model.onnx', join(root, 'm', '3', 'model.onnx'));
  // c: its config.pbtxt links outside.
  await write(join(root, 'c', '1', 'model.onnx'), 'inside');
  await symlink(join(base, 'secret', 'config.pbtxt'), join(root, 'c', 'config.pbtxt'));
  // ext: the whole model folder links outside.
  await symlink(join(base, 'elsewhere'), join(root, 'ext'));
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('reading a Triton repository', () => {
  it('never reads a file through a link that leads outside the repository', async () => {
    const folders = await listModelFolders(root);
    const plans = new Map((await Promise.all(folders.map(planModel))).map((plan) => [plan.name, plan]));
    const m = plans.get('m')!;
    expect(m.versions).toEqual([
      { version: 2, file: join(root, 'm', '2', 'model.onnx'), sizeBytes: 6 },
      { version: 3, file: join(root, 'shared', 'model.onnx'), sizeBytes: 10 },
    ]);
    expect(m.skippedEntries).toEqual([{ entry: '1', reason: 'model.onnx is a link that leads outside the repository; infermesh imports only files inside it' }]);
    expect(plans.get('c')).toMatchObject({ outcome: 'failed', reason: 'config.pbtxt is a link that leads outside the repository; infermesh imports only files inside it' });
    expect(plans.get('ext')).toMatchObject({ outcome: 'failed', versions: [] });
    expect(plans.get('ext')!.skippedEntries).toEqual([{ entry: '1', reason: 'model.onnx is a link that leads outside the repository; infermesh imports only files inside it' }]);
  });
});
