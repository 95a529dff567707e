/**
 * Each destination's cursor (the sequence of the next spooled entry it has not passed),
 * kept in `<spool>/cursors/<name>.json` and replaced atomically (write, fsync, rename).
 */
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { DATA_DIR_MODE, DATA_FILE_MODE } from '@infermesh/common';
import { fsyncDir } from './fsync-dir.js';

export class CursorStore {
  private readonly dir: string;

  constructor(spoolDir: string) {
    this.dir = path.join(spoolDir, 'cursors');
  }

  /** The saved cursor of a destination, or undefined when it has none yet. */
  async load(name: string): Promise<number | undefined> {
    await mkdir(this.dir, { recursive: true, mode: DATA_DIR_MODE });
    await fsyncDir(path.dirname(this.dir));
    let text: string;
    try {
      text = await readFile(this.file(name), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const next = (JSON.parse(text) as { next?: unknown }).next;
    if (typeof next !== 'number' || !Number.isSafeInteger(next) || next < 1) {
      throw new Error(`cursor file ${this.file(name)} holds no valid cursor: ${text.slice(0, 200)}`);
    }
    return next;
  }

  /** Saves a cursor; a crash leaves either the old or the new value, never a torn file. */
  async save(name: string, next: number): Promise<void> {
    const file = this.file(name);
    const temporary = `${file}.tmp`;
    const handle = await open(temporary, 'w', DATA_FILE_MODE);
    try {
      await handle.writeFile(JSON.stringify({ next }));
      await handle.datasync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
    // The rename itself must survive a power loss, or the old cursor comes back.
    await fsyncDir(this.dir);
  }

  private file(name: string): string {
    return path.join(this.dir, `${name}.json`);
  }
}
