/**
 * Writes the example models into a Triton-style repository layout:
 * `<repoDir>/<model>/<version>/model.onnx`.
 */
import { randomUUID } from 'node:crypto';
import { access, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MODEL_FILE } from '../models/model-repository.js';
import { heavyModel, mlpModel, simpleModel, stringsModel } from './example-models.js';

/** Options for {@link writeExampleModels}. */
export interface WriteExampleModelsOptions {
  /** Rewrite model files that already exist (default: keep them). */
  force?: boolean;
}

// Builders are thunks so skipped models never pay for weight generation.
const EXAMPLES: ReadonlyArray<readonly [name: string, version: number, build: () => Uint8Array]> = [
  ['simple', 1, simpleModel],
  ['mlp', 1, () => mlpModel(1)],
  ['mlp', 2, () => mlpModel(2)],
  ['heavy', 1, heavyModel],
  ['strings', 1, stringsModel],
];

/** Path of a model file inside a repository. */
function modelPath(repoDir: string, name: string, version: number): string {
  return path.join(repoDir, name, String(version), MODEL_FILE);
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

/**
 * Writes one model to `<repoDir>/<name>/<version>/model.onnx`, creating folders
 * as needed. The write is atomic (temp file + rename in the same folder) so a
 * server watching the repository never loads a half-written file.
 * @returns the path of the written file
 */
export async function writeModel(repoDir: string, name: string, version: number, bytes: Uint8Array): Promise<string> {
  const file = modelPath(repoDir, name, version);
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true });
  const tmp = path.join(dir, `.${MODEL_FILE}.${process.pid}.${randomUUID()}.tmp`);
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  return file;
}

/**
 * Writes every example model (simple/1, mlp/1, mlp/2, heavy/1, strings/1) into
 * `repoDir`. Existing files are left alone unless `opts.force` is set.
 * @returns the paths actually written, in a stable order
 */
export async function writeExampleModels(repoDir: string, opts: WriteExampleModelsOptions = {}): Promise<string[]> {
  const written: string[] = [];
  for (const [name, version, build] of EXAMPLES) {
    if (!opts.force && (await exists(modelPath(repoDir, name, version)))) continue;
    written.push(await writeModel(repoDir, name, version, build()));
  }
  return written;
}

/** Number of models {@link writeExampleModels} manages. */
export const EXAMPLE_MODEL_COUNT = EXAMPLES.length;
