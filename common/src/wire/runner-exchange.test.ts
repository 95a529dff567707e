import { describe, expect, it } from 'vitest';
import type { MethodDefinition } from '@grpc/grpc-js';
import { packageDefinition } from '@infermesh/proto';
import { ErrorCode } from '../errors/ErrorCode.js';
import { ServiceError } from '../errors/ServiceError.js';
import { FRAME_HEADER_BYTES } from '../h2/GrpcFrameReader.js';
import { exchangeCancel, exchangeRequestHead, exchangeResponseHead, readExchangeRequest, readExchangeResponse } from './runner-exchange.js';

/** RunnerInfer.Exchange as runner.proto defines it, read and written by protobufjs: the hand-written codec must agree. */
const service = packageDefinition['infermesh.runner.v1.RunnerInfer'] as unknown as Record<string, MethodDefinition<object, object>>;
const method = service.Exchange!;
const ExchangeRequest = {
  decode: (bytes: Buffer) => method.requestDeserialize(bytes) as Record<string, unknown>,
  encode: (value: object) => method.requestSerialize(value),
};
const ExchangeResponse = {
  decode: (bytes: Buffer) => method.responseDeserialize(bytes) as Record<string, unknown>,
};

/** A head and the payload after it, as one message; checks the frame header's length. */
function message(head: Buffer, payload: Buffer = Buffer.alloc(0)): Buffer {
  const whole = Buffer.concat([head, payload]);
  expect(whole[0]).toBe(0);
  expect(whole.readUInt32BE(1)).toBe(whole.length - FRAME_HEADER_BYTES);
  return whole.subarray(FRAME_HEADER_BYTES);
}

describe('the Exchange messages', () => {
  it('writes a request that protobufjs reads as runner.proto has it, and reads it back', () => {
    const request = Buffer.from('a ModelInferRequest, as far as the codec cares; ünïcode too');
    const headers = [['traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'], ['x-tenant', 'ünï']] as const;
    for (const call of [1, 127, 128, 300_000, 0xffffffff]) {
      const bytes = message(exchangeRequestHead(call, 2_500_000, headers, request.length), request);
      expect(ExchangeRequest.decode(bytes)).toEqual({ call, request, timeout_us: '2500000', headers: headers.map(([name, value]) => ({ name, value })), cancel: false });
      const read = readExchangeRequest(bytes);
      expect(read).toEqual({ call, request, timeoutUs: 2_500_000, headers: Object.fromEntries(headers), cancel: false });
    }
  });

  it('reads a request protobufjs wrote, in any field order, and a cancel', () => {
    const request = Buffer.from([1, 2, 3]);
    const bytes = ExchangeRequest.encode({ request, headers: [{ name: 'a', value: 'b' }], call: 9 });
    expect(readExchangeRequest(bytes)).toEqual({ call: 9, request, timeoutUs: 0, headers: { a: 'b' }, cancel: false });
    const cancel = message(exchangeCancel(77));
    expect(ExchangeRequest.decode(cancel)).toMatchObject({ call: 77, cancel: true, request: Buffer.alloc(0) });
    expect(readExchangeRequest(cancel)).toMatchObject({ call: 77, cancel: true, request: Buffer.alloc(0) });
  });

  it('writes answers, with and without a response, that protobufjs reads, and reads them back', () => {
    const response = Buffer.from('a ModelInferResponse');
    const ok = message(exchangeResponseHead(5, 0, '', response.length), response);
    expect(ExchangeResponse.decode(ok)).toEqual({ call: 5, code: 0, details: '', response });
    expect(readExchangeResponse(ok)).toEqual({ call: 5, code: 0, details: '', response });
    const failed = message(exchangeResponseHead(6, 5, "model 'x' is not served here: ünïcode"));
    expect(ExchangeResponse.decode(failed)).toEqual({ call: 6, code: 5, details: "model 'x' is not served here: ünïcode", response: Buffer.alloc(0) });
    expect(readExchangeResponse(failed)).toEqual({ call: 6, code: 5, details: "model 'x' is not served here: ünïcode", response: undefined });
  });

  it('refuses bytes that are not a message, naming the field', () => {
    const wrongType = Buffer.from([0x0a, 0x01, 0x00]); // call (field 1) as length-delimited
    expect(() => readExchangeRequest(wrongType)).toThrow(/call has wire type 2/);
    const truncated = Buffer.from([0x12, 0x05, 0x01]); // request says 5 bytes, 1 follows
    let error: unknown;
    try {
      readExchangeResponse(truncated);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ServiceError);
    expect((error as ServiceError).code).toBe(ErrorCode.INVALID_ARGUMENT);
  });
});
