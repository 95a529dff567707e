import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../errors/ErrorCode.js';
import { ServiceError } from '../errors/ServiceError.js';
import { framePieces, GrpcFrameReader } from './GrpcFrameReader.js';

const message = Buffer.from('a ModelInferRequest, as far as the reader cares');
const frameMessage = (bytes: Buffer) => Buffer.concat(framePieces([bytes.subarray(0, 7), bytes.subarray(7)]));

function codeOf(run: () => unknown): ErrorCode | undefined {
  try {
    run();
  } catch (error) {
    return error instanceof ServiceError ? error.code : undefined;
  }
  return undefined;
}

describe('GrpcFrameReader', () => {
  it('reads a message that came in one chunk without copying it', () => {
    const frame = frameMessage(message);
    const reader = new GrpcFrameReader(1024);
    reader.push(frame);
    const read = reader.finish();
    expect(read.compressed).toBe(false);
    expect(read.message.equals(message)).toBe(true);
    expect(read.frame).toBe(frame);
  });

  it('joins a message split anywhere, inside the frame header too', () => {
    const frame = frameMessage(message);
    for (const cuts of [[1], [3, 4], [5], [2, 9, 30]]) {
      const reader = new GrpcFrameReader(1024);
      let from = 0;
      for (const cut of [...cuts, frame.length]) {
        reader.push(frame.subarray(from, cut));
        from = cut;
      }
      expect(reader.finish().message.equals(message), `cut at ${cuts.join(',')}`).toBe(true);
    }
  });

  it('refuses an oversize message as soon as its header arrives, as grpc-js does', () => {
    const reader = new GrpcFrameReader(16);
    const frame = frameMessage(message);
    expect(codeOf(() => reader.push(frame.subarray(0, 3)))).toBeUndefined();
    expect(codeOf(() => reader.push(frame.subarray(3, 5)))).toBe(ErrorCode.RESOURCE_EXHAUSTED);
  });

  it('takes a message of exactly the limit', () => {
    const reader = new GrpcFrameReader(message.length);
    reader.push(frameMessage(message));
    expect(reader.finish().message.length).toBe(message.length);
  });

  it('says when the compressed flag is set, and keeps every byte to hand the call on', () => {
    const frame = frameMessage(message);
    frame[0] = 1;
    const reader = new GrpcFrameReader(1024);
    reader.push(frame.subarray(0, 10));
    reader.push(frame.subarray(10));
    expect(Buffer.concat(reader.received).equals(frame)).toBe(true);
    expect(reader.finish().compressed).toBe(true);
  });

  it('refuses a second message and a request that ends inside its message', () => {
    const twice = new GrpcFrameReader(1024);
    twice.push(frameMessage(message));
    expect(codeOf(() => twice.push(frameMessage(message)))).toBe(ErrorCode.INVALID_ARGUMENT);

    const cut = new GrpcFrameReader(1024);
    cut.push(frameMessage(message).subarray(0, 12));
    expect(codeOf(() => cut.finish())).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(codeOf(() => new GrpcFrameReader(1024).finish())).toBe(ErrorCode.INVALID_ARGUMENT);
  });
});
