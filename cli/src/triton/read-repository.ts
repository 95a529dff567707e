/**
 * Reading a Triton model repository from disk: `<dir>/<model>/config.pbtxt` and
 * `<dir>/<model>/<version>/<model file>`. Only the layout is read here; what the files
 * mean is decided by the mapping.
 */
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import { ImportRefusal } from './import-notes.js';

/** Largest config.pbtxt read; real ones are a few KiB. */
export const MAX_CONFIG_BYTES = 1024 * 1024;
/** infermesh version numbers are uint32 and start at 1. */
const MAX_VERSION = 0xffff_ffff;

/** A model folder of the repository. */
export interface ModelFolder {
  name: string;
  dir: string;
  /** The repository's real path (links followed): nothing is read from outside it. */
  root: string;
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

/**
 * The real path of `path` when it (links followed) lies inside the repository at `root`
 * (a real path), undefined when it leads out or does not exist: a link to ~/.ssh/id_rsa
 * named model.onnx is never read, let alone uploaded.
 */
export async function insideRepository(root: string, path: string): Promise<string | undefined> {
  const real = await realpath(path).catch(() => undefined);
  if (real === undefined) return undefined;
  const rest = relative(root, real);
  return rest === '' || (!rest.startsWith('..') && !isAbsolute(rest)) ? real : undefined;
}

/** Why an entry that leads out of the repository is not read. */
export const outsideRepository = (entry: string) => `${entry} is a link that leads outside the repository; infermesh imports only files inside it`;

/** The model folders of `root`, by name; hidden folders and loose files are not models. */
export async function listModelFolders(repository: string): Promise<ModelFolder[]> {
  const root = await realpath(repository);
  const entries = await readdir(root, { withFileTypes: true });
  const folders: ModelFolder[] = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (entry.name.startsWith('.')) continue;
    const dir = join(root, entry.name);
    if (!(entry.isDirectory() || (entry.isSymbolicLink() && (await stat(dir).catch(() => undefined))?.isDirectory()))) continue;
    const configFile = join(dir, 'config.pbtxt');
    folders.push({ name: entry.name, dir, root, ...((await isFile(configFile)) ? { configFile } : {}) });
  }
  return folders;
}

/** The text of a config.pbtxt inside the repository at `root`, refused over MAX_CONFIG_BYTES. */
export async function readConfigText(root: string, file: string): Promise<string> {
  const real = await insideRepository(root, file);
  if (real === undefined) throw new ImportRefusal('failed', outsideRepository('config.pbtxt'));
  const { size } = await stat(real);
  if (size > MAX_CONFIG_BYTES) throw new ImportRefusal('failed', `config.pbtxt is ${size} bytes, over the limit of ${MAX_CONFIG_BYTES} (1 MiB)`);
  return readFile(real, 'utf8');
}

/**
 * The numeric version folders of a model that hold `filename`, oldest first, and what was
 * passed over; `root` is the repository's real path, and each file is given by its real path.
 */
export async function scanVersions(root: string, dir: string, filename: string): Promise<{ versions: VersionFile[]; skipped: SkippedEntry[] }> {
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
    const real = fileInfo ? await insideRepository(root, file) : undefined;
    if (!fileInfo) skipped.push({ entry: entry.name, reason: `no ${filename} in it` });
    else if (real === undefined) skipped.push({ entry: entry.name, reason: outsideRepository(filename) });
    else if (!fileInfo.isFile()) skipped.push({ entry: entry.name, reason: `${filename} is a folder (an ONNX model with external data); infermesh registers single-file models` });
    else versions.push({ version, file: real, sizeBytes: fileInfo.size });
  }
  versions.sort((a, b) => a.version - b.version);
  return { versions, skipped: skipped.sort((a, b) => (a.entry < b.entry ? -1 : 1)) };
}
