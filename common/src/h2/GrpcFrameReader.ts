/**
 * Collects the request bytes of a unary gRPC call and reads its one length-prefixed message
 * (1 byte compressed flag, 4 bytes big-endian length, the bytes), refusing an oversize
 * message as soon as its frame header arrives, as grpc-js does.
 */
import { ServiceError } from '../errors/ServiceError.js';

/** Bytes of a gRPC frame header. */
export const FRAME_HEADER_BYTES = 5;

/** RESOURCE_EXHAUSTED for a message of `length` bytes over `maxMessageBytes`, worded as grpc-js words it. */
export function messageTooLarge(length: number, maxMessageBytes: number): ServiceError {
  return ServiceError.resourceExhausted(`Received message larger than max (${length} vs. ${maxMessageBytes})`);
}

/** The one message of a unary request. */
export interface UnaryMessage {
  /** True when the compressed flag is set: the message is in the call's grpc-encoding. */
  compressed: boolean;
  /** The message bytes, a view into `frame`. */
  message: Buffer;
  /** The whole frame as received, header included. */
  frame: Buffer;
}

export class GrpcFrameReader {
  private chunks: Buffer[] = [];
  private size = 0;
  /** The first message's length once its header is in; -1 before. */
  private length = -1;

  constructor(private readonly maxMessageBytes: number) {}

  /** The bytes received so far, in order (to hand the call on unread). */
  get received(): readonly Buffer[] {
    return this.chunks;
  }

  /**
   * Keeps a chunk. Throws RESOURCE_EXHAUSTED when the frame header announces a message over
   * the limit, INVALID_ARGUMENT when more bytes follow the first message.
   */
  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    if (this.length < 0 && this.size >= FRAME_HEADER_BYTES) {
      // Most calls come in one chunk: join only when the header straddles chunks.
      if (this.chunks[0]!.length < FRAME_HEADER_BYTES) this.chunks = [Buffer.concat(this.chunks, this.size)];
      this.length = this.chunks[0]!.readUInt32BE(1);
      if (this.length > this.maxMessageBytes) {
        throw messageTooLarge(this.length, this.maxMessageBytes);
      }
    }
    if (this.length >= 0 && this.size > FRAME_HEADER_BYTES + this.length) {
      throw ServiceError.invalidArgument('ModelInfer takes exactly one request message');
    }
  }

  /** The message, once the caller has ended its side; INVALID_ARGUMENT when it is incomplete. */
  finish(): UnaryMessage {
    if (this.length < 0 || this.size < FRAME_HEADER_BYTES + this.length) {
      throw ServiceError.invalidArgument('the request ended inside its gRPC message');
    }
    const frame = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.size);
    this.chunks = [frame];
    return { compressed: frame[0] !== 0, message: frame.subarray(FRAME_HEADER_BYTES), frame };
  }
}

/** The frame of an uncompressed message given as pieces: its header, then the pieces themselves. */
export function framePieces(pieces: readonly Buffer[]): Buffer[] {
  let length = 0;
  for (const piece of pieces) length += piece.length;
  const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  header[0] = 0;
  header.writeUInt32BE(length, 1);
  return [header, ...pieces];
}
