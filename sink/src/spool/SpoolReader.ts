/**
 * Reads spooled entries in sequence order from some position on; one per destination. It
 * reads only durable bytes (a segment's `bytes`), and steps over a damaged range alone: the
 * range is kept in quarantine first, then reading goes on at the next whole frame.
 */
import { open, type FileHandle } from 'node:fs/promises';
import type { Logger } from '@infermesh/common';
import { FRAME_MARKER, findNextFrame, parseFrame, SEGMENT_MAGIC, type SpoolEntry } from './frame.js';
import type { Segment } from './segment-files.js';
import type { Spool } from './Spool.js';

const READ_CHUNK_BYTES = 256 * 1024;

export class SpoolReader {
  private handle: FileHandle | undefined;
  private segment: Segment | undefined;
  /** Unparsed bytes read from the file, and where in the file the next read starts. */
  private buffer = Buffer.alloc(0);
  private fileOffset = 0;
  /** Damaged entries stepped over since this reader started. */
  skipped = 0;

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
      if (this.handle === undefined) {
        await this.openSegment();
        continue;
      }
      const entry = await this.readEntry();
      if (entry === undefined) {
        if (!(await this.nextSegment())) break;
        continue;
      }
      entries.push(entry);
      bytes += entry.payload.byteLength;
    }
    return entries;
  }

  private async openSegment(): Promise<void> {
    if (this.nextSeq < this.spool.firstSequence) {
      this.logger.warn({ from: this.nextSeq, to: this.spool.firstSequence }, 'spool entries already deleted; skipping ahead');
      this.nextSeq = this.spool.firstSequence;
    }
    // Entries of the segment before the position are read past, not returned.
    await this.openFile(this.spool.segmentOf(this.nextSeq)!.segment);
  }

  private async openFile(segment: Segment): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
    this.handle = await open(segment.file, 'r');
    this.segment = segment;
    this.buffer = Buffer.alloc(0);
    this.fileOffset = SEGMENT_MAGIC.byteLength;
  }

  /**
   * After the open segment's durable bytes are all read: opens the next segment, or false
   * when the open one is still being written. Entries the end of a segment should have held
   * but did not (damage) are stepped over.
   */
  private async nextSegment(): Promise<boolean> {
    const found = this.spool.segmentOf(this.segment!.base);
    if (found === undefined || found.segment !== this.segment) {
      // Released under this reader: start again from the position.
      await this.handle?.close();
      this.handle = undefined;
      return true;
    }
    const { segment, end } = found;
    if (!Number.isFinite(end)) {
      // The segment being written: everything durable is read unless damage hid the rest.
      if (this.nextSeq < this.spool.nextSequence && this.fileOffset >= segment.bytes && this.buffer.byteLength === 0) this.stepOver(this.spool.nextSequence);
      return false;
    }
    const following = this.spool.segmentOf(end);
    if (following === undefined) return false;
    if (this.nextSeq < end) this.stepOver(end);
    await this.openFile(following.segment);
    return true;
  }

  private async readEntry(): Promise<SpoolEntry | undefined> {
    const segment = this.segment!;
    for (;;) {
      const frame = parseFrame(this.buffer, 0);
      if (frame.ok) {
        this.buffer = this.buffer.subarray(frame.end);
        if (frame.seq < this.nextSeq) continue;
        if (frame.seq > this.nextSeq) this.stepOver(frame.seq);
        this.nextSeq = frame.seq + 1;
        // A view, not a copy: `buffer` is always a fresh allocation (a new chunk, or a new
        // concatenation) that nothing writes again; the chunk lives as long as its batch.
        return { seq: frame.seq, kind: frame.kind, payload: frame.payload };
      }
      const durableLeft = segment.bytes - this.fileOffset;
      if (frame.reason === 'corrupt' || durableLeft <= 0) {
        if (this.buffer.byteLength === 0) return undefined;
        await this.setAsideDamage(durableLeft <= 0);
        continue;
      }
      const chunk = Buffer.allocUnsafe(Math.min(durableLeft, Math.max(READ_CHUNK_BYTES, frame.needed ?? 0)));
      const { bytesRead } = await this.handle!.read(chunk, 0, chunk.byteLength, this.fileOffset);
      if (bytesRead === 0) {
        // Durable bytes that are not there: the file was cut short behind the spool's back.
        this.logger.error({ segment: segment.file, offset: this.fileOffset, expected: segment.bytes }, 'spool segment is shorter than what was written to it');
        this.fileOffset = segment.bytes;
        continue;
      }
      this.fileOffset += bytesRead;
      this.buffer = this.buffer.byteLength === 0 ? chunk.subarray(0, bytesRead) : Buffer.concat([this.buffer, chunk.subarray(0, bytesRead)]);
    }
  }

  /**
   * The buffer starts with damage: keeps the bytes up to the next whole frame in quarantine
   * and drops them. Without one in the buffer, keeps everything but a possible marker at the
   * end (more bytes may make it a frame), or everything when `atEnd`.
   */
  private async setAsideDamage(atEnd: boolean): Promise<void> {
    let cut = findNextFrame(this.buffer, 0);
    if (cut === -1) {
      const lastMarker = this.buffer.lastIndexOf(FRAME_MARKER);
      cut = atEnd || lastMarker <= 0 ? this.buffer.byteLength : lastMarker;
    }
    const offset = this.fileOffset - this.buffer.byteLength;
    await this.spool.reportDamage({ segmentFile: this.segment!.file, offset, bytes: Buffer.from(this.buffer.subarray(0, cut)), after: this.nextSeq - 1, reason: 'damaged' });
    this.buffer = this.buffer.subarray(cut);
  }

  /** Entries from the position up to `to` were in damaged bytes: counted, logged, passed. */
  private stepOver(to: number): void {
    this.skipped += to - this.nextSeq;
    this.logger.error(
      { segment: this.segment?.file, from: this.nextSeq, to: to - 1, quarantine: this.spool.quarantine.dir },
      `spool entries ${this.nextSeq} to ${to - 1} were in damaged bytes and are skipped; the bytes are kept in quarantine`,
    );
    this.nextSeq = to;
  }

  async close(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
  }
}
