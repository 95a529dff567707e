/**
 * A destination's dead-letter files in `<spool>/dead-letters/`: records it refused (or that
 * outlasted the outage window), one line `{"time","reason","attempts","record"}` each,
 * fsynced. `<destination>.jsonl` is the current file; at `maxFileBytes` it is set aside as
 * `<destination>.NNNNNN.jsonl`. All of them together stay under `maxBytes`: a batch that
 * does not fit is refused, and the worker keeps it in the spool and retries.
 */
import { mkdir, open, readdir, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { DATA_DIR_MODE, DATA_FILE_MODE } from '@infermesh/common';
import type { DeliveryItem } from '../destinations/Destination.js';
import { fsyncDir } from '../spool/fsync-dir.js';

/** Bounds of one destination's dead-letter files. */
export interface DeadLetterLimits {
  maxFileBytes: number;
  maxBytes: number;
}

const UNBOUNDED: DeadLetterLimits = { maxFileBytes: Number.MAX_SAFE_INTEGER, maxBytes: Number.MAX_SAFE_INTEGER };

/** A destination's dead-letter files, oldest first (set-aside ones, then the current one). */
export async function deadLetterFiles(spoolDir: string, destination: string): Promise<string[]> {
  const dir = path.join(spoolDir, 'dead-letters');
  const names: string[] = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  const escaped = destination.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const rotated = names.filter((name) => new RegExp(`^${escaped}\\.\\d{6,}\\.jsonl$`).test(name)).sort();
  const current = names.includes(`${destination}.jsonl`) ? [`${destination}.jsonl`] : [];
  return [...rotated, ...current].map((name) => path.join(dir, name));
}

export class DeadLetterFile {
  readonly file: string;
  private readonly dir: string;

  constructor(
    private readonly spoolDir: string,
    private readonly destination: string,
    private readonly limits: DeadLetterLimits = UNBOUNDED,
  ) {
    this.dir = path.join(spoolDir, 'dead-letters');
    this.file = path.join(this.dir, `${destination}.jsonl`);
  }

  /** Appends each item as `{"time","reason","attempts","record"}`; resolves once on disk. */
  async write(items: readonly DeliveryItem[], reason: string, attempts: number): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: DATA_DIR_MODE });
    const time = new Date().toISOString();
    const prefix = `{"time":${JSON.stringify(time)},"reason":${JSON.stringify(reason)},"attempts":${attempts},"record":`;
    const data = Buffer.from(items.map((item) => `${prefix}${item.json}}\n`).join(''), 'utf8');
    const files = await deadLetterFiles(this.spoolDir, this.destination);
    const sizes = await Promise.all(files.map(async (file) => (await stat(file)).size));
    const total = sizes.reduce((sum, size) => sum + size, 0);
    if (total + data.byteLength > this.limits.maxBytes) {
      throw new Error(`the dead-letter files of ${this.destination} are full (${total} of sink.deadLetters.maxBytes ${this.limits.maxBytes} bytes): replay or remove them`);
    }
    const currentSize = files.at(-1) === this.file ? sizes.at(-1)! : 0;
    if (currentSize > 0 && currentSize + data.byteLength > this.limits.maxFileBytes) await this.setAside(files);
    const handle = await open(this.file, 'a', DATA_FILE_MODE);
    let start = 0;
    try {
      start = (await handle.stat()).size;
      for (let offset = 0; offset < data.byteLength; ) {
        const { bytesWritten } = await handle.write(data, offset);
        if (bytesWritten <= 0) throw new Error(`short write to ${this.file}`);
        offset += bytesWritten;
      }
      await handle.datasync();
    } catch (error) {
      await handle.truncate(start).catch(() => undefined);
      throw error;
    } finally {
      await handle.close();
    }
    if (start === 0) await fsyncDir(this.dir);
  }

  /** Sets the current file aside (if there is one), so that later dead letters start a new file. */
  async setAsideCurrent(): Promise<void> {
    const files = await deadLetterFiles(this.spoolDir, this.destination);
    if (files.at(-1) === this.file) await this.setAside(files);
  }

  /** Renames the current file to the next `<destination>.NNNNNN.jsonl`. */
  private async setAside(files: readonly string[]): Promise<void> {
    const last = files.filter((file) => file !== this.file).at(-1);
    const index = last ? Number(/\.(\d+)\.jsonl$/.exec(last)![1]) + 1 : 1;
    await rename(this.file, path.join(this.dir, `${this.destination}.${String(index).padStart(6, '0')}.jsonl`));
    await fsyncDir(this.dir);
  }
}
