import { describe, expect, it } from 'vitest';
import { status } from '@grpc/grpc-js';
import { emptyContents } from '@infermesh/client';
import { ServiceError } from '../errors/ServiceError.js';
import { toGrpcStatus } from '../errors/to-grpc-status.js';
import { decodeContents, decodeRaw, encodeContents } from './tensor-codec.js';

describe("services' tensor codec", () => {
  it('answers data that does not match its shape with INVALID_ARGUMENT naming the input', () => {
    let thrown: unknown;
    try {
      decodeRaw('INPUT0', 'INT32', 16, Buffer.alloc(60));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ServiceError);
    expect(toGrpcStatus(thrown)).toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: "input 'INPUT0': expected 64 bytes of raw INT32 data (16 elements × 4), got 60",
    });
    expect(() => decodeContents('A', 'FP32', 4, { ...emptyContents(), fp32_contents: [1, 2] })).toThrowError(ServiceError);
    expect(() => encodeContents('FP16', new Uint16Array(1))).toThrowError(ServiceError);
  });

  it('decodes data that matches, as the client codec does', () => {
    expect(Array.from(decodeRaw('X', 'INT32', 2, Buffer.from(new Int32Array([7, -1]).buffer)) as Int32Array)).toEqual([7, -1]);
  });
});
