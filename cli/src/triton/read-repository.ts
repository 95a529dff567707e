/**
 * Reading a Triton model repository from disk: `<dir>/<model>/config.pbtxt` and
 * `<dir>/<model>/<version>/<model file>`. Only the layout is read here; what the files
 * mean is decided by the mapping.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ImportRefusal } from './import-notes.js';

/** Largest config.pbtxt read; real ones are a few KiB. */
export const MAX_CONFIG_BYTES = 1024 * 1024;
/** infermesh version numbers are uint32 and start at 1. */
const MAX_VERSION = 0xffff_ffff;

/** A model folder of the repository. */
export interface ModelFolder {
  name: string;
  dir: string;
  /** Path of its config.pbtxt, when it has one. */
  configFile?: string;
}

/** One version folder holding the model file. */
export interface VersionFile {
  version: number;
  file: string;
  sizeBytes: number;
}

/** A version folder, or something beside them, that is not imported, and why. */
export interface SkippedEntry {
  entry: string;
  reason: string;
}

const isFile = async (path: string) => (await stat(path).catch(() => undefined))?.isFile() ?? false;

/** The model folders of `root`, by name; hidden folders and loose files are not models. */
export async function listModelFolders(root: string): Promise<ModelFolder[]> {
  const entries = await readdir(root, { withFileTypes: true });
  const folders: ModelFolder[] = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (entry.name.startsWith('.')) continue;
    const dir = join(root, entry.name);
    if (!(entry.isDirectory() || (entry.isSymbolicLink() && (await stat(dir).catch(() => undefined))?.isDirectory()))) continue;
    const configFile = join(dir, 'config.pbtxt');
    folders.push({ name: entry.name, dir, ...((await isFile(configFile)) ? { configFile } : {}) });
  }
  return folders;
}

/** The text of a config.pbtxt, refused over MAX_CONFIG_BYTES. */
export async function readConfigText(file: string): Promise<string> {
  const { size } = await stat(file);
  if (size > MAX_CONFIG_BYTES) throw new ImportRefusal('failed', `config.pbtxt is ${size} bytes, over the limit of ${MAX_CONFIG_BYTES} (1 MiB)`);
  return readFile(file, 'utf8');
}

/** The numeric version folders of a model that hold `filename`, oldest first, and what was passed over. */
export async function scanVersions(dir: string, filename: string): Promise<{ versions: VersionFile[]; skipped: SkippedEntry[] }> {
  const versions: VersionFile[] = [];
  const skipped: SkippedEntry[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isDirectory()) continue;
    if (!/^\d+$/.test(entry.name)) {
      skipped.push({ entry: entry.name, reason: 'not a version number' });
      continue;
    }
    const version = Number(entry.name);
    if (version < 1 || version > MAX_VERSION) {
      skipped.push({ entry: entry.name, reason: `infermesh versions are 1..${MAX_VERSION}` });
      continue;
    }
    const same = versions.find((other) => other.version === version);
    if (same) {
      skipped.push({ entry: entry.name, reason: `the same version as the folder '${same.version}'` });
      continue;
    }
    const file = join(path, filename);
    const fileInfo = await stat(file).catch(() => undefined);
    if (!fileInfo) skipped.push({ entry: entry.name, reason: `no ${filename} in it` });
    else if (!fileInfo.isFile()) skipped.push({ entry: entry.name, reason: `${filename} is a folder (an ONNX model with external data); infermesh registers single-file models` });
    else versions.push({ version, file, sizeBytes: fileInfo.size });
  }
  versions.sort((a, b) => a.version - b.version);
  return { versions, skipped: skipped.sort((a, b) => (a.entry < b.entry ? -1 : 1)) };
}
