/** Segment files on disk: naming, creation (fsynced with their folder) and recovery after a crash. */
import { open, readFile } from 'node:fs/promises';
import { DATA_FILE_MODE } from '@infermesh/common';
import { findNextFrame, parseFrame, SEGMENT_MAGIC, SEGMENT_MAGIC_V1 } from './frame.js';
import { fsyncDir } from './fsync-dir.js';
import type { Quarantine } from './Quarantine.js';

/** One segment file: entries `base` up to the next segment's base. */
export interface Segment {
  base: number;
  file: string;
  /** Bytes that are durable: readers never read past them. */
  bytes: number;
}

/** File name of the segment whose first entry is `base`: 20 digits, so names sort by sequence. */
export function segmentName(base: number): string {
  return `${String(base).padStart(20, '0')}.seg`;
}

/** Creates an empty segment (its magic only) and makes it and its name durable. */
export async function createSegmentFile(file: string, dir: string): Promise<void> {
  const handle = await open(file, 'wx', DATA_FILE_MODE);
  try {
    await handle.write(SEGMENT_MAGIC);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fsyncDir(dir);
}

/** The first bytes of a file, where its magic is. */
export async function readHead(file: string): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(SEGMENT_MAGIC.byteLength);
    const { bytesRead } = await handle.read(head, 0, head.byteLength, 0);
    return head.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** Throws a clear error unless `head` starts with the magic of this spool format. */
export function checkMagic(file: string, head: Buffer): void {
  if (head.subarray(0, SEGMENT_MAGIC.byteLength).equals(SEGMENT_MAGIC)) return;
  if (head.subarray(0, SEGMENT_MAGIC_V1.byteLength).equals(SEGMENT_MAGIC_V1)) {
    throw new Error(`spool segment ${file} is in spool format 1 (an older sink): let that sink deliver it, or move the spool folder aside`);
  }
  throw new Error(`spool segment ${file} does not start with ${SEGMENT_MAGIC.toString()}: not a spool file`);
}

/**
 * Reads the newest segment after a restart and returns the sequence its next entry gets.
 * A damaged frame with whole frames after it is skipped (its bytes kept in quarantine);
 * bytes after the last whole frame are an unfinished write: they are copied to quarantine
 * (nothing leaves the disk unkept) and cut off, so appends go on from a whole frame.
 */
export async function recoverSegment(segment: Segment, quarantine: Quarantine): Promise<number> {
  const data = await readFile(segment.file);
  if (data.byteLength < SEGMENT_MAGIC.byteLength && SEGMENT_MAGIC.subarray(0, data.byteLength).equals(data)) {
    // Created but its magic never reached the disk whole.
    const handle = await open(segment.file, 'w', DATA_FILE_MODE);
    await handle.write(SEGMENT_MAGIC);
    await handle.sync();
    await handle.close();
    segment.bytes = SEGMENT_MAGIC.byteLength;
    return segment.base;
  }
  checkMagic(segment.file, data);
  let offset = SEGMENT_MAGIC.byteLength;
  let next = segment.base;
  while (offset < data.byteLength) {
    const frame = parseFrame(data, offset);
    if (frame.ok) {
      next = frame.seq + 1;
      offset = frame.end;
      continue;
    }
    const resume = findNextFrame(data, offset);
    if (resume === -1) {
      await quarantine.keep({ segmentFile: segment.file, offset, bytes: data.subarray(offset), after: next - 1, reason: 'torn tail' });
      const handle = await open(segment.file, 'r+');
      await handle.truncate(offset);
      await handle.sync();
      await handle.close();
      break;
    }
    const before = (parseFrame(data, resume) as { seq: number }).seq;
    await quarantine.keep({ segmentFile: segment.file, offset, bytes: data.subarray(offset, resume), after: next - 1, before, reason: 'damaged' });
    offset = resume;
  }
  segment.bytes = offset;
  return next;
}
