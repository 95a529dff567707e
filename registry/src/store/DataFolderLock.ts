/**
 * An exclusive lock on a registry's data folder: `<dir>/registry.lock`, created with O_EXCL
 * and holding the owner's pid, host and start time. A second registry on the folder refuses
 * to start and names the holder; a lock whose process is gone (kill -9) is taken over.
 */
import { hostname } from 'node:os';
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { DATA_DIR_MODE } from '@infermesh/common';

interface Holder {
  pid: number;
  host: string;
  sinceMs: number;
}

/** Folders this process holds: a second registry in the same process is refused as well. */
const heldHere = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class DataFolderLock {
  private constructor(
    readonly file: string,
    private readonly dir: string,
  ) {}

  /** Takes the lock on `dir`; throws naming the holder when another live registry has it. */
  static async acquire(dir: string): Promise<DataFolderLock> {
    const resolved = path.resolve(dir);
    const file = path.join(resolved, 'registry.lock');
    await mkdir(resolved, { recursive: true, mode: DATA_DIR_MODE });
    for (let attempt = 0; attempt < 3; attempt++) {
      if (heldHere.has(resolved)) throw new Error(DataFolderLock.heldMessage(resolved, { pid: process.pid, host: hostname(), sinceMs: 0 }));
      try {
        const handle = await open(file, 'wx', 0o644);
        try {
          await handle.writeFile(JSON.stringify({ pid: process.pid, host: hostname(), sinceMs: Date.now() } satisfies Holder));
          await handle.sync();
        } finally {
          await handle.close();
        }
        heldHere.add(resolved);
        return new DataFolderLock(file, resolved);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = await readFile(file, 'utf8')
        .then((text) => JSON.parse(text) as Holder)
        .catch(() => undefined);
      // A lock of a live process, or of another host (its processes cannot be checked from here), stands.
      if (holder && (holder.host !== hostname() || alive(holder.pid))) throw new Error(DataFolderLock.heldMessage(resolved, holder));
      // Left by a registry that died (or half-written as it died): take it over.
      await rm(file, { force: true });
    }
    throw new Error(`cannot lock the registry data folder ${resolved}: ${file} keeps coming back`);
  }

  private static heldMessage(dir: string, holder: Holder): string {
    const since = holder.sinceMs > 0 ? ` since ${new Date(holder.sinceMs).toISOString()}` : '';
    return `the registry data folder ${dir} is in use by another registry (pid ${holder.pid} on ${holder.host}${since}); stop it, or give this one another data folder`;
  }

  /** Gives the lock up. */
  async release(): Promise<void> {
    if (!heldHere.delete(this.dir)) return;
    await rm(this.file, { force: true });
  }
}
