/**
 * Splits the DATA of a gRPC stream that carries many messages into its length-prefixed
 * messages as they complete. A message that arrives whole within one chunk is a view into
 * that chunk; only a message split across chunks is joined.
 */
import { FRAME_HEADER_BYTES, messageTooLarge } from './GrpcFrameReader.js';

export class GrpcMessageSplitter {
  /** Bytes read and not yet a whole message. */
  private pending: Buffer | undefined;

  /**
   * `onMessage` gets each message without its frame header, and whether its compressed flag
   * was set.
   */
  constructor(
    private readonly maxMessageBytes: number,
    private readonly onMessage: (message: Buffer, compressed: boolean) => void,
  ) {}

  /** True while part of a message has been read. */
  get partial(): boolean {
    return this.pending !== undefined;
  }

  /**
   * Reads a chunk, calling `onMessage` for every message it completes. Throws
   * RESOURCE_EXHAUSTED when a frame header announces a message over the limit (the stream
   * cannot be read further).
   */
  push(chunk: Buffer): void {
    let bytes = this.pending === undefined ? chunk : Buffer.concat([this.pending, chunk]);
    this.pending = undefined;
    while (bytes.length >= FRAME_HEADER_BYTES) {
      const length = bytes.readUInt32BE(1);
      if (length > this.maxMessageBytes) {
        throw messageTooLarge(length, this.maxMessageBytes);
      }
      const end = FRAME_HEADER_BYTES + length;
      if (bytes.length < end) break;
      this.onMessage(bytes.subarray(FRAME_HEADER_BYTES, end), bytes[0] !== 0);
      bytes = bytes.subarray(end);
    }
    if (bytes.length > 0) this.pending = bytes;
  }
}
