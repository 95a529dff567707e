import { describe, expect, it } from 'vitest';
import { inferenceProto, type ModelInferRequest__Output } from '@infermesh/proto';
import { readInferRequestHeader } from '@infermesh/common';
import { modelVersionParts, withModelVersion } from './wire.js';

const { service } = inferenceProto.GRPCInferenceService;
const serialize = service.ModelInfer.requestSerialize;
const deserialize = (bytes: Buffer) => service.ModelInfer.requestDeserialize(bytes) as ModelInferRequest__Output;

/** A field as protobuf writes it: tag, length, bytes. */
const field = (number: number, value: string | Buffer) => {
  const bytes = Buffer.isBuffer(value) ? value : Buffer.from(value);
  return Buffer.concat([Buffer.from([(number << 3) | 2, bytes.length]), bytes]);
};

const request = () =>
  serialize({
    model_name: 'mlp',
    id: 'req-1',
    parameters: { timeout: { int64_param: 5 }, d: { double_param: 0.25 } },
    inputs: [{ name: 'input', datatype: 'FP32', shape: [2, 64] }],
    outputs: [{ name: 'output' }],
    raw_input_contents: [Buffer.alloc(512, 3)],
  });

describe('withModelVersion', () => {
  it('adds the version to a request that named none, and a stock decoder reads the rest unchanged', () => {
    const original = request();
    const rewritten = withModelVersion(original, '2');
    expect(readInferRequestHeader(rewritten)).toEqual({ modelName: 'mlp', modelVersion: '2', id: 'req-1', sequenceStart: false, sequenceEnd: false });
    expect(deserialize(rewritten)).toEqual({ ...deserialize(original), model_version: '2' });
    // Only the new field's bytes were added, at the front.
    expect(rewritten.subarray(rewritten.length - original.length).equals(original)).toBe(true);
    expect(rewritten.subarray(0, rewritten.length - original.length)).toEqual(field(2, '2'));
  });

  it('replaces the version in place, keeping every other byte', () => {
    const original = serialize({ model_name: 'mlp', model_version: '1', id: 'x', raw_input_contents: [Buffer.alloc(300, 9)] });
    const rewritten = withModelVersion(original, '17');
    const at = original.indexOf(field(2, '1'));
    expect(at).toBeGreaterThan(0);
    expect(rewritten).toEqual(Buffer.concat([original.subarray(0, at), field(2, '17'), original.subarray(at + 3)]));
    expect(deserialize(rewritten).raw_input_contents[0]).toEqual(Buffer.alloc(300, 9));
  });

  it('handles fields in any order and repeated versions (the last one would win, so all go)', () => {
    const tensor = field(7, Buffer.alloc(100, 1));
    const original = Buffer.concat([field(3, 'id-9'), field(2, '5'), tensor, field(1, 'mlp'), field(2, '6')]);
    const rewritten = withModelVersion(original, '3');
    expect(rewritten).toEqual(Buffer.concat([field(3, 'id-9'), field(2, '3'), tensor, field(1, 'mlp')]));
    expect(readInferRequestHeader(rewritten)).toEqual({ modelName: 'mlp', modelVersion: '3', id: 'id-9', sequenceStart: false, sequenceEnd: false });
  });

  it('removes the version when asked for the empty one', () => {
    const original = serialize({ model_name: 'simple', model_version: '4', id: 'a' });
    expect(readInferRequestHeader(withModelVersion(original, ''))).toEqual({ modelName: 'simple', modelVersion: '', id: 'a', sequenceStart: false, sequenceEnd: false });
    expect(withModelVersion(original, '')).toEqual(serialize({ model_name: 'simple', id: 'a' }));
  });

  it('refuses a malformed message with INVALID_ARGUMENT', () => {
    const bytes = request();
    expect(() => withModelVersion(bytes.subarray(0, bytes.length - 5), '1')).toThrowError(
      expect.objectContaining({ code: 3, details: 'request is not a valid ModelInferRequest message' }),
    );
  });

  it('gives the same bytes as pieces that share the request\'s memory, tensors included', () => {
    const bytes = request();
    const parts = modelVersionParts(bytes, '7');
    expect(Buffer.concat(parts).equals(withModelVersion(bytes, '7'))).toBe(true);
    const largest = parts.reduce((a, b) => (b.length > a.length ? b : a));
    expect(largest.length).toBeGreaterThan(512);
    expect(largest.buffer).toBe(bytes.buffer);
  });
});
