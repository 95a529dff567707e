/**
 * Where a runner keeps the config YAML that LoadModel gave a version: ModelVersion reads it
 * from there, and the supervisor reads it back to restore the version after a restart.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** `<dataDir>/runner-<runner>/configs/<model>/<version>.yaml` */
export function loadedConfigPath(dataDir: string, runnerName: string, model: string, version: string): string {
  return path.join(dataDir, `runner-${runnerName}`, 'configs', model, `${version}.yaml`);
}

/** Writes the file whole or not at all (temp file + rename), so a reader never sees half of it. */
export async function writeLoadedConfig(file: string, yaml: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${randomUUID()}.tmp`;
  try {
    await writeFile(temporary, yaml);
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** Removes the file if it exists. */
export async function removeLoadedConfig(file: string): Promise<void> {
  await rm(file, { force: true });
}
