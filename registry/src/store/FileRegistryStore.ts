/**
 * The embedded store: the whole state as one JSON file in the data folder, replaced
 * atomically (write a temporary file, fsync it, rename it over the old one, fsync the
 * folder), so a crash at any point leaves either the old state or the new one.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { DATA_DIR_MODE, DATA_FILE_MODE } from '@infermesh/common';
import { registryStateSchema, type RegistryState } from '../state/registry-state.js';
import { StoreConflictError, StoreDurabilityUnknownError, type RegistryStore, type StoredState } from './RegistryStore.js';

/** Largest state file read back; the state holds metadata only, never artifacts. */
const MAX_STATE_BYTES = 256 * 1024 * 1024;
const FORMAT = 1;

interface StateFile {
  format: number;
  revision: number;
  savedAtMs: number;
  state: unknown;
}

export class FileRegistryStore implements RegistryStore {
  readonly description: string;
  private readonly file: string;
  private revision = 0;
  /** Inode of the file this store last wrote or read; another one means another writer. */
  private inode: number | undefined;

  constructor(
    private readonly dir: string,
    /** fsync of the folder after a rename; tests pass one that fails. */
    private readonly syncDir?: (dir: string) => Promise<void>,
  ) {
    this.file = path.join(dir, 'state.json');
    this.description = `file ${this.file}`;
  }

  async load(): Promise<StoredState | undefined> {
    const info = await stat(this.file).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (!info) return undefined;
    if (info.size > MAX_STATE_BYTES) throw new Error(`${this.file}: ${info.size} bytes is over the ${MAX_STATE_BYTES}-byte limit`);
    let parsed: StateFile;
    try {
      parsed = JSON.parse(await readFile(this.file, 'utf8')) as StateFile;
    } catch (error) {
      throw new Error(`${this.file}: not valid JSON (${(error as Error).message})`);
    }
    if (parsed?.format !== FORMAT || !Number.isInteger(parsed.revision)) {
      throw new Error(`${this.file}: not a registry state file of format ${FORMAT}`);
    }
    const state = registryStateSchema.safeParse(parsed.state);
    if (!state.success) {
      const problem = state.error.issues[0]!;
      throw new Error(`${this.file}: state.${problem.path.join('.')}: ${problem.message}`);
    }
    this.revision = parsed.revision;
    this.inode = info.ino;
    return { state: state.data, revision: parsed.revision };
  }

  async save(state: RegistryState, expectedRevision: number): Promise<number> {
    if (expectedRevision !== this.revision) {
      throw new StoreConflictError(`${this.file}: expected revision ${expectedRevision}, the store is at ${this.revision}`);
    }
    const current = await stat(this.file).catch(() => undefined);
    if (current?.ino !== this.inode) {
      throw new StoreConflictError(`${this.file} was replaced by another writer; is a second registry using ${this.dir}?`);
    }
    const revision = expectedRevision + 1;
    const body: StateFile = { format: FORMAT, revision, savedAtMs: Date.now(), state };
    await mkdir(this.dir, { recursive: true, mode: DATA_DIR_MODE });
    const temporary = path.join(this.dir, `.state.json.${randomUUID()}.tmp`);
    try {
      const handle = await open(temporary, 'wx', DATA_FILE_MODE);
      try {
        await handle.writeFile(JSON.stringify(body));
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temporary, this.file);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    // The rename happened: this is the state now, whatever the folder's fsync says next.
    this.revision = revision;
    this.inode = (await stat(this.file)).ino;
    try {
      await (this.syncDir ?? syncFolder)(this.dir);
    } catch (error) {
      throw new StoreDurabilityUnknownError(
        `${this.file}: changed to revision ${revision}, durability unknown: fsync of ${this.dir} failed (${(error as Error).message})`,
        revision,
        { cause: error },
      );
    }
    return revision;
  }

  async close(): Promise<void> {}
}

/** fsync of a folder, so that a rename in it survives a crash. */
export async function syncFolder(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
