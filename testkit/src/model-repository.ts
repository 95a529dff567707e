/** Temporary model repositories for tests. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeExampleModels } from '@infermesh/common/onnx';

/** A temporary folder with the example models; `remove()` deletes it. */
export async function exampleRepository(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'infermesh-models-'));
  await writeExampleModels(dir);
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
