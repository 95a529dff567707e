import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../errors/ErrorCode.js';
import { ServiceError } from '../errors/ServiceError.js';
import { framePieces } from './GrpcFrameReader.js';
import { GrpcMessageSplitter } from './GrpcMessageSplitter.js';

const frame = (text: string) => Buffer.concat(framePieces([Buffer.from(text)]));

function splitter(max = 1024) {
  const read: { text: string; compressed: boolean; buffer: Buffer }[] = [];
  const split = new GrpcMessageSplitter(max, (message, compressed) => read.push({ text: message.toString(), compressed, buffer: message }));
  return { split, read };
}

describe('GrpcMessageSplitter', () => {
  it('reads every message of a chunk, each a view into the chunk', () => {
    const { split, read } = splitter();
    const chunk = Buffer.concat([frame('first'), frame(''), frame('third')]);
    split.push(chunk);
    expect(read.map((m) => m.text)).toEqual(['first', '', 'third']);
    expect(read[0]!.buffer.buffer).toBe(chunk.buffer);
    expect(split.partial).toBe(false);
  });

  it('reads messages split anywhere across chunks, the frame header included', () => {
    const bytes = Buffer.concat([frame('one message'), frame('and another'), frame('x')]);
    for (let cut = 1; cut < bytes.length; cut++) {
      const { split, read } = splitter();
      split.push(bytes.subarray(0, cut));
      split.push(bytes.subarray(cut));
      expect(read.map((m) => m.text)).toEqual(['one message', 'and another', 'x']);
      expect(split.partial).toBe(false);
    }
    const { split, read } = splitter();
    for (const byte of bytes) split.push(Buffer.from([byte]));
    expect(read.map((m) => m.text)).toEqual(['one message', 'and another', 'x']);
  });

  it('says when part of a message is held, and passes the compressed flag on', () => {
    const { split, read } = splitter();
    const compressed = frame('zipped');
    compressed[0] = 1;
    split.push(Buffer.concat([compressed, frame('half').subarray(0, 6)]));
    expect(read).toMatchObject([{ text: 'zipped', compressed: true }]);
    expect(split.partial).toBe(true);
  });

  it('refuses a message over the limit as soon as its header is in', () => {
    const { split, read } = splitter(8);
    split.push(frame('12345678'));
    let error: unknown;
    try {
      split.push(frame('123456789').subarray(0, 5));
    } catch (caught) {
      error = caught;
    }
    expect(read.map((m) => m.text)).toEqual(['12345678']);
    expect(error).toBeInstanceOf(ServiceError);
    expect((error as ServiceError).code).toBe(ErrorCode.RESOURCE_EXHAUSTED);
    expect((error as ServiceError).message).toMatch(/larger than max \(9 vs. 8\)/);
  });
});
