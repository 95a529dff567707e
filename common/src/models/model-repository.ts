/** Finds model versions in a repository folder laid out `<model>/<version>/model.onnx`. */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { MODEL_NAME_RULE, MODEL_VERSION_RULE } from '../config/name-rules.js';

/** One version found on disk. */
export interface ModelSource {
  name: string;
  version: string;
  modelPath: string;
  /** `<model>/config.yaml` when it exists. */
  configPath: string | undefined;
}

/** An entry of the repository that is not a servable model version, and why. */
export interface SkippedEntry {
  path: string;
  reason: string;
}

/** The file a version folder holds. */
export const MODEL_FILE = 'model.onnx';
const CONFIG_FILE = 'config.yaml';

async function isFile(file: string): Promise<boolean> {
  return stat(file).then((s) => s.isFile(), () => false);
}

async function subfolders(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
}

/**
 * Lists the model versions of a repository. Folders that are not valid model names or
 * positive integer versions, and versions without model.onnx, are reported as skipped
 * rather than failing the whole repository.
 */
export async function scanModelRepository(root: string): Promise<{ models: ModelSource[]; skipped: SkippedEntry[] }> {
  const rootStat = await stat(root).catch(() => undefined);
  if (!rootStat?.isDirectory()) throw new Error(`model repository ${root} does not exist or is not a folder`);
  const models: ModelSource[] = [];
  const skipped: SkippedEntry[] = [];
  for (const name of await subfolders(root)) {
    const modelDir = path.join(root, name);
    if (!MODEL_NAME_RULE.test(name)) {
      skipped.push({ path: modelDir, reason: 'not a valid model name (letters, digits, _ . -; at most 128)' });
      continue;
    }
    const configPath = (await isFile(path.join(modelDir, CONFIG_FILE))) ? path.join(modelDir, CONFIG_FILE) : undefined;
    for (const version of await subfolders(modelDir)) {
      const versionDir = path.join(modelDir, version);
      if (!MODEL_VERSION_RULE.test(version)) {
        skipped.push({ path: versionDir, reason: 'version folders are positive integers' });
        continue;
      }
      const modelPath = path.join(versionDir, MODEL_FILE);
      if (!(await isFile(modelPath))) {
        skipped.push({ path: versionDir, reason: `no ${MODEL_FILE}` });
        continue;
      }
      models.push({ name, version, modelPath, configPath });
    }
  }
  return { models, skipped };
}
