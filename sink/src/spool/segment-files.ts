/** Segment files on disk: naming, creation (fsynced with their folder) and recovery after a crash. */
import { open, readFile } from 'node:fs/promises';
import type { Logger } from '@infermesh/common';
import { parseFrame, SEGMENT_MAGIC } from './frame.js';

/** One segment file: entries `base` up to the next segment's base. */
export interface Segment {
  base: number;
  file: string;
  bytes: number;
}

/** File name of the segment whose first entry is `base`: 20 digits, so names sort by sequence. */
export function segmentName(base: number): string {
  return `${String(base).padStart(20, '0')}.seg`;
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Creates an empty segment (its magic only) and makes it and its name durable. */
export async function createSegmentFile(file: string, dir: string): Promise<void> {
  const handle = await open(file, 'wx');
  try {
    await handle.write(SEGMENT_MAGIC);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fsyncDir(dir);
}

/**
 * Counts the entries of a segment and cuts off anything after the last whole frame (a
 * write the process did not finish before it died: never acknowledged).
 */
export async function recoverSegment(segment: Segment, logger: Logger): Promise<number> {
  const data = await readFile(segment.file);
  if (data.byteLength < SEGMENT_MAGIC.byteLength && SEGMENT_MAGIC.subarray(0, data.byteLength).equals(data)) {
    // Created but its magic never reached the disk whole.
    const handle = await open(segment.file, 'w');
    await handle.write(SEGMENT_MAGIC);
    await handle.sync();
    await handle.close();
    segment.bytes = SEGMENT_MAGIC.byteLength;
    return 0;
  }
  if (!data.subarray(0, SEGMENT_MAGIC.byteLength).equals(SEGMENT_MAGIC)) {
    throw new Error(`spool segment ${segment.file} does not start with ${SEGMENT_MAGIC.toString()}: not a spool file`);
  }
  let offset = SEGMENT_MAGIC.byteLength;
  let count = 0;
  for (;;) {
    const frame = parseFrame(data, offset);
    if (!frame.ok) {
      if (offset < data.byteLength) {
        logger.warn(
          { segment: segment.file, offset, bytes: data.byteLength - offset, reason: frame.reason },
          'cutting off the unfinished end of the spool (never acknowledged)',
        );
        const handle = await open(segment.file, 'r+');
        await handle.truncate(offset);
        await handle.sync();
        await handle.close();
      }
      break;
    }
    offset = frame.end;
    count++;
  }
  segment.bytes = offset;
  return count;
}
