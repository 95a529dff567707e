/** Reads spooled entries in sequence order from some position on; one per destination. */
import { open, type FileHandle } from 'node:fs/promises';
import type { Logger } from '@infermesh/common';
import { parseFrame, SEGMENT_MAGIC, type SpoolEntry } from './frame.js';
import type { Spool } from './Spool.js';

const READ_CHUNK_BYTES = 256 * 1024;

export class SpoolReader {
  private handle: FileHandle | undefined;
  /** Base sequence of the open segment. */
  private segmentBase = -1;
  /** First sequence after the open segment (Infinity while it is the one being written). */
  private segmentEnd = 0;
  /** Unparsed bytes read from the file, and where in the file the next read starts. */
  private buffer = Buffer.alloc(0);
  private fileOffset = 0;
  /** Entries below this are read past without being returned (positioning inside a segment). */
  private skipUntil = 0;

  constructor(
    private readonly spool: Spool,
    /** Sequence number of the next entry `read` returns. */
    private nextSeq: number,
    private readonly logger: Logger,
  ) {}

  /** Sequence number of the next entry `read` returns. */
  get position(): number {
    return this.nextSeq;
  }

  /**
   * Up to `maxEntries` durable entries from the current position (fewer, or none, when
   * fewer are durable yet), stopping early once `maxBytes` of payload are gathered.
   */
  async read(maxEntries: number, maxBytes: number): Promise<SpoolEntry[]> {
    const entries: SpoolEntry[] = [];
    let bytes = 0;
    while (entries.length < maxEntries && bytes < maxBytes && this.nextSeq < this.spool.nextSequence) {
      if (this.handle === undefined || this.nextSeq >= this.segmentEnd) {
        await this.openSegment();
        continue;
      }
      const entry = await this.readEntry();
      if (entry === undefined) continue;
      if (entry.seq >= this.skipUntil) {
        entries.push(entry);
        bytes += entry.payload.byteLength;
      }
    }
    return entries;
  }

  private async openSegment(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
    if (this.nextSeq < this.spool.firstSequence) {
      this.logger.warn({ from: this.nextSeq, to: this.spool.firstSequence }, 'spool entries already deleted; skipping ahead');
      this.nextSeq = this.spool.firstSequence;
    }
    const found = this.spool.segmentOf(this.nextSeq)!;
    this.handle = await open(found.segment.file, 'r');
    this.segmentBase = found.segment.base;
    this.segmentEnd = found.end;
    this.buffer = Buffer.alloc(0);
    this.fileOffset = SEGMENT_MAGIC.byteLength;
    // Entries before the position are read past, not returned.
    this.skipUntil = this.nextSeq;
    this.nextSeq = this.segmentBase;
  }

  private async readEntry(): Promise<SpoolEntry | undefined> {
    for (;;) {
      const frame = parseFrame(this.buffer, 0);
      if (frame.ok) {
        // A view, not a copy: `buffer` is always a fresh allocation (a new chunk, or a new
        // concatenation) that nothing writes again; the chunk lives as long as its batch.
        const entry: SpoolEntry = { seq: this.nextSeq++, kind: frame.kind, payload: frame.payload };
        this.buffer = this.buffer.subarray(frame.end);
        return entry;
      }
      if (frame.reason === 'corrupt') return this.skipCorruptSegment();
      const chunk = Buffer.allocUnsafe(Math.max(READ_CHUNK_BYTES, frame.needed ?? 0));
      const { bytesRead } = await this.handle!.read(chunk, 0, chunk.byteLength, this.fileOffset);
      if (bytesRead === 0) {
        // Either the segment was finished (rotated) after it was opened, or a durable entry's
        // bytes are missing: the file was damaged.
        const end = this.spool.segmentOf(this.segmentBase)?.end ?? 0;
        if (this.nextSeq >= end) {
          this.segmentEnd = end;
          return undefined;
        }
        return this.skipCorruptSegment();
      }
      this.fileOffset += bytesRead;
      this.buffer = this.buffer.byteLength === 0 ? chunk.subarray(0, bytesRead) : Buffer.concat([this.buffer, chunk.subarray(0, bytesRead)]);
    }
  }

  private skipCorruptSegment(): undefined {
    const end = this.spool.segmentOf(this.segmentBase)?.end ?? Infinity;
    const to = Number.isFinite(end) ? end : this.spool.nextSequence;
    this.logger.error(
      { segmentBase: this.segmentBase, at: this.nextSeq, skippedTo: to },
      'spool segment is damaged; its remaining entries cannot be read and are skipped',
    );
    this.nextSeq = to;
    this.segmentEnd = 0;
    return undefined;
  }

  async close(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
  }
}
