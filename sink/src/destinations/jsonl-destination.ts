/**
 * jsonl destination: one JSON document per line in `<dir>/<prefix>-NNNNNN.jsonl`; the next
 * file is started once the current one reaches maxFileBytes. A batch counts as delivered
 * only once every byte of it is written and fsynced; a batch that fails half-way (a full
 * disk, EFBIG, EIO) is cut back off the file, so readers never meet a torn line.
 */
import { mkdir, open, readdir, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { DATA_DIR_MODE, DATA_FILE_MODE, type ResolvedJsonlConfig } from '@infermesh/common';
import { DeliveryError, describeError } from '../delivery/DeliveryError.js';
import type { DeliveryItem, Destination } from './Destination.js';

const TAIL_CHUNK_BYTES = 64 * 1024;

export class JsonlDestination implements Destination {
  private handle: FileHandle | undefined;
  private index = 0;
  /** Bytes of whole lines in the current file. */
  private size = 0;

  constructor(private readonly config: ResolvedJsonlConfig) {}

  /** The file being written, for logs and tests. */
  get currentFile(): string {
    return this.fileName(this.index);
  }

  async deliver(items: readonly DeliveryItem[], _signal?: AbortSignal): Promise<void> {
    try {
      if (!this.handle) await this.openLatest();
      if (this.size >= this.config.maxFileBytes) await this.rotate();
    } catch (error) {
      throw new DeliveryError(`jsonl ${this.config.dir}: ${describeError(error)}`, true, { cause: error });
    }
    const handle = this.handle!;
    const data = Buffer.from(items.map((item) => `${item.json}\n`).join(''), 'utf8');
    const start = this.size;
    try {
      for (let offset = 0; offset < data.byteLength; ) {
        const { bytesWritten } = await handle.write(data, offset);
        if (bytesWritten <= 0) throw new Error(`short write: ${offset} of ${data.byteLength} bytes written`);
        offset += bytesWritten;
      }
      await handle.datasync();
    } catch (error) {
      await this.cutBack(handle, start);
      throw new DeliveryError(`jsonl ${this.currentFile}: ${describeError(error)}`, true, { cause: error });
    }
    this.size = start + data.byteLength;
  }

  async close(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
  }

  /**
   * Takes a failed batch's bytes off the file again. When even that fails, the file is
   * closed: the next delivery opens it anew and cuts the torn line there.
   */
  private async cutBack(handle: FileHandle, size: number): Promise<void> {
    try {
      await handle.truncate(size);
      await handle.datasync();
    } catch {
      this.handle = undefined;
      await handle.close().catch(() => undefined);
    }
  }

  private fileName(index: number): string {
    return path.join(this.config.dir, `${this.config.prefix}-${String(index).padStart(6, '0')}.jsonl`);
  }

  /** Continues the newest file of a previous run (cutting a torn last line), or starts file 1. */
  private async openLatest(): Promise<void> {
    await mkdir(this.config.dir, { recursive: true, mode: DATA_DIR_MODE });
    const pattern = new RegExp(`^${this.config.prefix}-(\\d{6,})\\.jsonl$`);
    const indexes = (await readdir(this.config.dir)).flatMap((name) => {
      const match = pattern.exec(name);
      return match ? [Number(match[1])] : [];
    });
    this.index = Math.max(1, ...indexes);
    const file = this.fileName(this.index);
    const handle = await open(file, 'a+', DATA_FILE_MODE);
    try {
      this.size = await cutTornLine(handle, (await stat(file)).size);
    } catch (error) {
      await handle.close();
      throw error;
    }
    this.handle = handle;
  }

  private async rotate(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
    this.index++;
    this.handle = await open(this.fileName(this.index), 'a+', DATA_FILE_MODE);
    this.size = 0;
  }
}

/** Cuts whatever follows the last newline (a batch a crash left half-written); returns the new size. */
async function cutTornLine(handle: FileHandle, size: number): Promise<number> {
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - TAIL_CHUNK_BYTES);
    const chunk = Buffer.alloc(end - start);
    await handle.read(chunk, 0, chunk.byteLength, start);
    const newline = chunk.lastIndexOf(0x0a);
    if (newline !== -1) {
      end = start + newline + 1;
      break;
    }
    end = start;
  }
  if (end < size) {
    await handle.truncate(end);
    await handle.datasync();
  }
  return end;
}
