/**
 * Byte layout of spool segments. A segment starts with an 8-byte magic; then frames, each
 * `u32 marker | u32 crc32 | u32 length | u64 seq | u8 kind | payload` (little-endian;
 * length counts kind + payload; the CRC covers length, seq, kind and payload). The marker
 * lets a reader find the next frame after a damaged one, and the sequence number in every
 * frame keeps the numbering right across a frame that had to be skipped.
 */
import { crc32 } from 'node:zlib';

/** First bytes of every segment file (format version 2). */
export const SEGMENT_MAGIC = Buffer.from('IMSPOOL2', 'ascii');

/** The magic of format 1 (no marker, no sequence in frames), named in the error a reader gives. */
export const SEGMENT_MAGIC_V1 = Buffer.from('IMSPOOL1', 'ascii');

/**
 * First bytes of every frame. 0xF5 never occurs in UTF-8, so a JSON payload cannot hold
 * the marker; a match inside other bytes is ruled out by the CRC.
 */
export const FRAME_MARKER = Buffer.from([0xf5, 0x1d, 0xa9, 0xc3]);

/** Bytes before a frame's payload. */
export const FRAME_HEADER_BYTES = 21;

/** No frame is longer than this; a longer length field is damage, not a frame. */
export const MAX_FRAME_BYTES = 256 * 1024 * 1024;

/** What a spool entry holds. */
export const EntryKind = { prediction: 1, deadLetter: 2 } as const;
/** A kind byte of a frame. */
export type EntryKind = (typeof EntryKind)[keyof typeof EntryKind];

/** One entry read back, with its sequence number. */
export interface SpoolEntry {
  seq: number;
  kind: EntryKind;
  payload: Buffer;
}

/** Writes the frame of entry `seq` into `target` at `offset`; returns the offset after it. */
export function writeFrame(target: Buffer, offset: number, seq: number, kind: EntryKind, payload: Buffer): number {
  FRAME_MARKER.copy(target, offset);
  target.writeUInt32LE(1 + payload.byteLength, offset + 8);
  target.writeBigUInt64LE(BigInt(seq), offset + 12);
  target[offset + 20] = kind;
  payload.copy(target, offset + FRAME_HEADER_BYTES);
  const end = offset + FRAME_HEADER_BYTES + payload.byteLength;
  target.writeUInt32LE(crc32(target.subarray(offset + 8, end)), offset + 4);
  return end;
}

/** Bytes the frame of a payload takes. */
export function frameBytes(payload: Buffer): number {
  return FRAME_HEADER_BYTES + payload.byteLength;
}

/** Encodes one frame. */
export function encodeFrame(seq: number, kind: EntryKind, payload: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(frameBytes(payload));
  writeFrame(frame, 0, seq, kind, payload);
  return frame;
}

/** A frame parsed at some offset, or why none could be. */
export type ParsedFrame =
  | { ok: true; seq: number; kind: EntryKind; payload: Buffer; end: number }
  | { ok: false; reason: 'incomplete' | 'corrupt'; needed?: number };

/** Parses the frame starting at `offset` of `buf`; `payload` is a view into `buf`. */
export function parseFrame(buf: Buffer, offset: number): ParsedFrame {
  const available = buf.byteLength - offset;
  if (available < FRAME_HEADER_BYTES) {
    // A prefix that is not the marker is damage already, whatever follows.
    const prefix = Math.min(available, FRAME_MARKER.byteLength);
    if (!buf.subarray(offset, offset + prefix).equals(FRAME_MARKER.subarray(0, prefix))) return { ok: false, reason: 'corrupt' };
    return { ok: false, reason: 'incomplete', needed: FRAME_HEADER_BYTES };
  }
  if (buf.readUInt32LE(offset) !== FRAME_MARKER.readUInt32LE(0)) return { ok: false, reason: 'corrupt' };
  const length = buf.readUInt32LE(offset + 8);
  if (length < 1 || length > MAX_FRAME_BYTES) return { ok: false, reason: 'corrupt' };
  const end = offset + FRAME_HEADER_BYTES - 1 + length;
  if (end > buf.byteLength) return { ok: false, reason: 'incomplete', needed: end - offset };
  if (crc32(buf.subarray(offset + 8, end)) !== buf.readUInt32LE(offset + 4)) return { ok: false, reason: 'corrupt' };
  const kind = buf[offset + 20];
  if (kind !== EntryKind.prediction && kind !== EntryKind.deadLetter) return { ok: false, reason: 'corrupt' };
  const seq = Number(buf.readBigUInt64LE(offset + 12));
  return { ok: true, seq, kind, payload: buf.subarray(offset + FRAME_HEADER_BYTES, end), end };
}

/**
 * The offset of the next whole, valid frame in `buf` after `from`, or -1. A frame cut off
 * by the end of `buf` is not found: callers that can read more keep the bytes from the
 * last marker on.
 */
export function findNextFrame(buf: Buffer, from: number): number {
  for (let at = buf.indexOf(FRAME_MARKER, from + 1); at !== -1; at = buf.indexOf(FRAME_MARKER, at + 1)) {
    if (parseFrame(buf, at).ok) return at;
  }
  return -1;
}
