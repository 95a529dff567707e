/**
 * jsonl destination: one JSON document per line in `<dir>/<prefix>-NNNNNN.jsonl`; the next
 * file is started once the current one reaches maxFileBytes. Each batch is fsynced before
 * it counts as delivered.
 */
import { mkdir, open, readdir, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { DeliveryItem, Destination } from './Destination.js';
import type { ResolvedJsonlConfig } from '@infermesh/common';

export class JsonlDestination implements Destination {
  private handle: FileHandle | undefined;
  private index = 0;
  private size = 0;

  constructor(private readonly config: ResolvedJsonlConfig) {}

  /** The file being written, for logs and tests. */
  get currentFile(): string {
    return this.fileName(this.index);
  }

  async deliver(items: readonly DeliveryItem[], _signal?: AbortSignal): Promise<void> {
    if (!this.handle) await this.openLatest();
    if (this.size >= this.config.maxFileBytes) await this.rotate();
    const data = Buffer.from(items.map((item) => `${item.json}\n`).join(''), 'utf8');
    await this.handle!.write(data);
    await this.handle!.datasync();
    this.size += data.byteLength;
  }

  async close(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
  }

  private fileName(index: number): string {
    return path.join(this.config.dir, `${this.config.prefix}-${String(index).padStart(6, '0')}.jsonl`);
  }

  /** Continues the newest file of a previous run, or starts file 1. */
  private async openLatest(): Promise<void> {
    await mkdir(this.config.dir, { recursive: true });
    const pattern = new RegExp(`^${this.config.prefix}-(\\d{6,})\\.jsonl$`);
    const indexes = (await readdir(this.config.dir)).flatMap((name) => {
      const match = pattern.exec(name);
      return match ? [Number(match[1])] : [];
    });
    this.index = Math.max(1, ...indexes);
    const file = this.fileName(this.index);
    this.handle = await open(file, 'a');
    this.size = (await stat(file)).size;
  }

  private async rotate(): Promise<void> {
    await this.handle?.close();
    this.index++;
    this.handle = await open(this.fileName(this.index), 'a');
    this.size = 0;
  }
}
