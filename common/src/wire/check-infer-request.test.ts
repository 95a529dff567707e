import { describe, expect, it } from 'vitest';
import { DEFAULT_REQUEST_LIMITS } from '../config/limits-config.js';
import { checkInferRequest } from './check-infer-request.js';

/** A length-delimited field. */
const field = (number: number, value: Buffer): Buffer => Buffer.concat([Buffer.from([(number << 3) | 2, value.length]), value]);

/** A request whose one input INPUT (shape [1]) has `contents` as its InferTensorContents bytes. */
const withContents = (contents: Buffer) =>
  field(5, Buffer.concat([field(1, Buffer.from('INPUT')), field(2, Buffer.from('BYTES')), field(3, Buffer.from([1])), field(5, contents)]));

/** The details checkInferRequest refuses `bytes` with; '' when it takes them. */
function refusal(bytes: Buffer): string {
  try {
    checkInferRequest(bytes, DEFAULT_REQUEST_LIMITS);
    return '';
  } catch (error) {
    return (error as { details: string }).details;
  }
}

describe('checkInferRequest', () => {
  it('names the wire type a contents field must have once when its elements are length-delimited themselves', () => {
    // bytes_contents (field 8) as a varint: found by the attack suite's fuzz (npm run test:attacks).
    expect(refusal(withContents(Buffer.from([(8 << 3) | 0, 1])))).toBe('InferTensorContents field 8 (bytes_contents) has wire type 0 (varint), expected 2 (length-delimited)');
    // Packed-capable fields name both.
    expect(refusal(withContents(Buffer.from([(2 << 3) | 5, 0, 0, 0, 0])))).toBe(
      'InferTensorContents field 2 (int_contents) has wire type 5 (fixed32), expected 0 (varint) or 2 (length-delimited)',
    );
  });

  it('takes well-formed contents', () => {
    expect(refusal(withContents(field(8, Buffer.from('a'))))).toBe('');
  });
});
