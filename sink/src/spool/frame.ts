/**
 * Byte layout of spool segments. A segment starts with an 8-byte magic; then frames, each
 * `u32 length | u32 crc32 | u8 kind | payload` (little-endian; length counts kind + payload,
 * the CRC covers the same bytes), so a torn or corrupt tail is found on recovery.
 */
import { crc32 } from 'node:zlib';

/** First bytes of every segment file (format version 1). */
export const SEGMENT_MAGIC = Buffer.from('IMSPOOL1', 'ascii');

/** Bytes before a frame's payload. */
export const FRAME_HEADER_BYTES = 9;

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

/** Encodes one frame. */
export function encodeFrame(kind: EntryKind, payload: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.byteLength);
  frame.writeUInt32LE(1 + payload.byteLength, 0);
  frame[8] = kind;
  payload.copy(frame, FRAME_HEADER_BYTES);
  frame.writeUInt32LE(crc32(frame.subarray(8)), 4);
  return frame;
}

/** A frame parsed at some offset, or why none could be. */
export type ParsedFrame =
  | { ok: true; kind: EntryKind; payload: Buffer; end: number }
  | { ok: false; reason: 'incomplete' | 'corrupt'; needed?: number };

/** Parses the frame starting at `offset` of `buf`; `payload` is a view into `buf`. */
export function parseFrame(buf: Buffer, offset: number): ParsedFrame {
  if (buf.byteLength - offset < FRAME_HEADER_BYTES) return { ok: false, reason: 'incomplete', needed: FRAME_HEADER_BYTES };
  const length = buf.readUInt32LE(offset);
  if (length < 1) return { ok: false, reason: 'corrupt' };
  const end = offset + 8 + length;
  if (end > buf.byteLength) return { ok: false, reason: 'incomplete', needed: 8 + length };
  const body = buf.subarray(offset + 8, end);
  if (crc32(body) !== buf.readUInt32LE(offset + 4)) return { ok: false, reason: 'corrupt' };
  const kind = body[0];
  if (kind !== EntryKind.prediction && kind !== EntryKind.deadLetter) return { ok: false, reason: 'corrupt' };
  return { ok: true, kind, payload: body.subarray(1), end };
}
