/**
 * The sink's on-disk spool: append-only segment files of framed entries, each numbered by a
 * sequence. `append` resolves only once its entries are written and fsynced; appends that
 * arrive while a write is in flight share the next write and fsync (group commit).
 */
import { mkdir, open, readdir, rm, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { DATA_DIR_MODE, DATA_FILE_MODE, ServiceError, type Logger } from '@infermesh/common';
import { frameBytes, SEGMENT_MAGIC, writeFrame, type EntryKind } from './frame.js';
import { fsyncDir } from './fsync-dir.js';
import { Quarantine, type Damage } from './Quarantine.js';
import { checkMagic, createSegmentFile, readHead, recoverSegment, segmentName, type Segment } from './segment-files.js';

/** How a spool is laid out and bounded. */
export interface SpoolOptions {
  dir: string;
  /** A segment is closed and the next one started at this size. */
  segmentBytes: number;
  /** New appends are refused (RESOURCE_EXHAUSTED) while the spool holds this much. */
  maxBytes: number;
  /** Most bytes per write + fsync. */
  maxGroupBytes: number;
  logger: Logger;
  /**
   * Opens the segment being appended to; node's `open` by default. Fault-injection tests
   * pass one whose handle fails writes (EIO, a short write) the way a disk can.
   */
  openForAppend?: (file: string) => Promise<FileHandle>;
}

interface PendingAppend {
  entries: readonly { kind: EntryKind; payload: Buffer }[];
  bytes: number;
  resolve(firstSeq: number): void;
  reject(error: unknown): void;
}

function appendHandle(file: string): Promise<FileHandle> {
  return open(file, 'a', DATA_FILE_MODE);
}

export class Spool {
  private readonly segments: Segment[];
  private handle: FileHandle;
  private next: number;
  private totalBytes: number;
  private pending: PendingAppend[] = [];
  private pendingBytes = 0;
  private writing: Promise<void> | undefined;
  private failure: Error | undefined;
  private closed = false;
  private waiters = new Set<() => void>();

  private constructor(
    private readonly options: SpoolOptions,
    private readonly segmentDir: string,
    segments: Segment[],
    handle: FileHandle,
    next: number,
    /** Where damaged bytes and damaged segments are kept. */
    readonly quarantine: Quarantine,
  ) {
    this.segments = segments;
    this.handle = handle;
    this.next = next;
    this.totalBytes = segments.reduce((sum, segment) => sum + segment.bytes, 0);
  }

  /**
   * Opens (or creates) the spool in `options.dir`. The newest segment is scanned: a damaged
   * frame is skipped and kept in quarantine, and a torn tail (a write the process did not
   * finish before it died, so never acknowledged) is kept in quarantine and cut off.
   */
  static async open(options: SpoolOptions): Promise<Spool> {
    const segmentDir = path.join(options.dir, 'segments');
    await mkdir(segmentDir, { recursive: true, mode: DATA_DIR_MODE });
    await fsyncDir(options.dir);
    await fsyncDir(path.dirname(path.resolve(options.dir)));
    const quarantine = await Quarantine.open(options.dir, options.logger);
    const names = (await readdir(segmentDir)).filter((name) => /^\d{20}\.seg$/.test(name)).sort();
    const segments: Segment[] = [];
    for (const name of names) {
      const file = path.join(segmentDir, name);
      segments.push({ base: Number(name.slice(0, 20)), file, bytes: (await stat(file)).size });
      if (name !== names.at(-1)) checkMagic(file, await readHead(file));
    }
    if (segments.length === 0) {
      const file = path.join(segmentDir, segmentName(1));
      await createSegmentFile(file, segmentDir);
      segments.push({ base: 1, file, bytes: SEGMENT_MAGIC.byteLength });
    }
    const last = segments.at(-1)!;
    const next = await recoverSegment(last, quarantine);
    const handle = await (options.openForAppend ?? appendHandle)(last.file);
    return new Spool(options, segmentDir, segments, handle, next, quarantine);
  }

  /** Sequence number the next appended entry gets; every lower one is durable. */
  get nextSequence(): number {
    return this.next;
  }

  /** Sequence number of the oldest entry still on disk. */
  get firstSequence(): number {
    return this.segments[0]!.base;
  }

  /** Bytes on disk. */
  get bytes(): number {
    return this.totalBytes;
  }

  /** Damaged ranges found in segments since the spool was opened (each kept in quarantine). */
  get damagedRanges(): number {
    return this.quarantine.damagedRanges;
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  /**
   * The segment holding `seq` and the first sequence after it (Infinity for the segment
   * still being written), or undefined when `seq` is older than the spool.
   */
  segmentOf(seq: number): { segment: Segment; end: number } | undefined {
    for (let i = this.segments.length - 1; i >= 0; i--) {
      const segment = this.segments[i]!;
      if (segment.base <= seq) return { segment, end: this.segments[i + 1]?.base ?? Infinity };
    }
    return undefined;
  }

  /**
   * Appends entries; resolves with the first one's sequence number once all are durable.
   * Rejects with RESOURCE_EXHAUSTED when the spool is full.
   */
  append(entries: readonly { kind: EntryKind; payload: Buffer }[]): Promise<number> {
    if (this.closed) return Promise.reject(ServiceError.unavailable('the sink is shutting down'));
    if (this.failure) return Promise.reject(this.failure);
    const bytes = entries.reduce((sum, entry) => sum + frameBytes(entry.payload), 0);
    if (this.totalBytes + this.pendingBytes + bytes > this.options.maxBytes) {
      return Promise.reject(
        ServiceError.resourceExhausted(
          `sink spool is full (${this.totalBytes} of sink.spool.maxBytes ${this.options.maxBytes} bytes): destinations are behind`,
        ),
      );
    }
    return new Promise<number>((resolve, reject) => {
      this.pending.push({ entries, bytes, resolve, reject });
      this.pendingBytes += bytes;
      this.kick();
    });
  }

  private kick(): void {
    if (this.writing) return;
    this.writing = this.writeGroups().finally(() => {
      this.writing = undefined;
      // An append made after the loop saw an empty queue, but before this ran.
      if (this.pending.length > 0) this.kick();
    });
  }

  private async writeGroups(): Promise<void> {
    while (this.pending.length > 0) {
      const group: PendingAppend[] = [];
      let bytes = 0;
      while (this.pending.length > 0 && (group.length === 0 || bytes + this.pending[0]!.bytes <= this.options.maxGroupBytes)) {
        const append = this.pending.shift()!;
        group.push(append);
        bytes += append.bytes;
      }
      this.pendingBytes -= bytes;
      const active = this.segments.at(-1)!;
      try {
        if (active.bytes >= this.options.segmentBytes) await this.rotate();
        await this.writeDurably(this.encodeGroup(group, bytes));
      } catch (error) {
        // Nothing of the group is on disk: its sequence numbers go to the next group.
        for (const append of group) append.reject(error);
        continue;
      }
      let seq = this.next;
      for (const append of group) {
        append.resolve(seq);
        seq += append.entries.length;
      }
      this.next = seq;
      this.totalBytes += bytes;
      this.segments.at(-1)!.bytes += bytes;
      for (const wake of [...this.waiters]) wake();
    }
  }

  /** The frames of a group, numbered from the next sequence. */
  private encodeGroup(group: readonly PendingAppend[], bytes: number): Buffer {
    const data = Buffer.allocUnsafe(bytes);
    let offset = 0;
    let seq = this.next;
    for (const append of group) {
      for (const entry of append.entries) offset = writeFrame(data, offset, seq++, entry.kind, entry.payload);
    }
    return data;
  }

  /**
   * Writes and fsyncs; on failure cuts the file back to its durable length. Readers never
   * read past `segment.bytes`, which moves only after the fsync, so none sees refused bytes.
   */
  private async writeDurably(data: Buffer): Promise<void> {
    const active = this.segments.at(-1)!;
    const bytes = data.byteLength;
    try {
      for (let offset = 0; offset < data.byteLength; ) {
        offset += (await this.handle.write(data, offset)).bytesWritten;
      }
      await this.handle.datasync();
    } catch (error) {
      // Cut back to the last whole frame so later appends stay readable; if even that
      // fails the spool refuses all further appends rather than corrupt itself.
      await this.handle.truncate(active.bytes).catch((truncateError: unknown) => {
        this.failure = ServiceError.unavailable('the sink spool cannot be written; see the sink log');
        this.options.logger.fatal({ err: truncateError, segment: active.file }, 'cannot repair the spool after a failed write');
      });
      this.options.logger.error({ err: error, segment: active.file, bytes }, 'spool write failed');
      throw ServiceError.unavailable('the sink could not write its spool; see the sink log');
    }
  }

  private async rotate(): Promise<void> {
    const file = path.join(this.segmentDir, segmentName(this.next));
    await createSegmentFile(file, this.segmentDir);
    const handle = await (this.options.openForAppend ?? appendHandle)(file);
    await this.handle.close();
    this.handle = handle;
    this.segments.push({ base: this.next, file, bytes: SEGMENT_MAGIC.byteLength });
    this.totalBytes += SEGMENT_MAGIC.byteLength;
  }

  /** Resolves once an entry with sequence ≥ `seq` is durable, or when `signal` aborts. */
  waitFor(seq: number, signal: AbortSignal): Promise<void> {
    if (this.next > seq || signal.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const wake = () => {
        if (this.next <= seq && !signal.aborted) return;
        this.waiters.delete(wake);
        signal.removeEventListener('abort', wake);
        resolve();
      };
      this.waiters.add(wake);
      signal.addEventListener('abort', wake, { once: true });
    });
  }

  /**
   * Deletes every segment whose entries all lie below `passed` (the lowest cursor of all
   * destinations); a segment with damage is moved to quarantine instead. The segment being
   * written is kept: its name carries the next sequence.
   */
  async release(passed: number): Promise<void> {
    while (this.segments.length > 1 && this.segments[1]!.base <= passed) {
      const oldest = this.segments[0]!;
      if (this.quarantine.isDamaged(oldest.file)) await this.quarantine.moveAside(oldest.file);
      else await rm(oldest.file, { force: true });
      this.segments.splice(0, 1);
      this.totalBytes -= oldest.bytes;
    }
  }

  /** Keeps a damaged range a reader found in quarantine; resolves once it is durable there. */
  reportDamage(damage: Damage): Promise<void> {
    return this.quarantine.keep(damage);
  }

  /** Waits for appends already made, then closes the segment file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.writing) await this.writing;
    await this.handle.close();
    for (const wake of [...this.waiters]) wake();
  }
}
