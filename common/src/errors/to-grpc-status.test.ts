import { Metadata, status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { ERROR_CODE_NAMES, ErrorCode } from './ErrorCode.js';
import { ServiceError } from './ServiceError.js';
import { grpcStatusOf, serverErrorOf, toGrpcStatus } from './to-grpc-status.js';

function errno(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:1`), { code });
}

describe('toGrpcStatus', () => {
  it('maps every domain code to the gRPC status of the same name and number', () => {
    for (const name of ERROR_CODE_NAMES) {
      expect(grpcStatusOf(ErrorCode[name])).toBe(status[name]);
      expect(ErrorCode[name]).toBe(status[name]);
    }
  });

  it('keeps a ServiceError\'s code and details', () => {
    expect(toGrpcStatus(ServiceError.resourceExhausted('queue full'))).toEqual({ code: status.RESOURCE_EXHAUSTED, details: 'queue full', expected: true });
  });

  it("hides a received UNKNOWN, INTERNAL or DATA_LOSS's details from the caller, keeping its code, for the log", () => {
    for (const code of [status.UNKNOWN, status.INTERNAL, status.DATA_LOSS]) {
      const details = 'onnxruntime: /models/secret/path.onnx node MatMul_3 failed';
      const received = Object.assign(new Error(`13 INTERNAL: ${details}`), { code, details, metadata: new Metadata() });
      expect(toGrpcStatus(received)).toEqual({ code, details: `internal error (${status[code]}) in an upstream service; see the gateway log`, expected: false });
      // A status this process mapped already (serverErrorOf, no metadata) is not mapped again.
      expect(toGrpcStatus(serverErrorOf({ code, details: 'internal error; see the server log', expected: false }))).toMatchObject({ code, details: 'internal error; see the server log' });
    }
    // The caller's own mistakes keep their clear message.
    const invalid = Object.assign(new Error("3 INVALID_ARGUMENT: input 'x': expected FP32"), { code: status.INVALID_ARGUMENT, details: "input 'x': expected FP32" });
    expect(toGrpcStatus(invalid)).toEqual({ code: status.INVALID_ARGUMENT, details: "input 'x': expected FP32", expected: true });
    // A service's own INTERNAL (a ServiceError) is generic already and stays as it is.
    expect(toGrpcStatus(ServiceError.internal('could not save; see the log'))).toMatchObject({ code: status.INTERNAL, details: 'could not save; see the log' });
  });

  it('keeps a status received from another gRPC server', () => {
    const received = Object.assign(new Error('5 NOT_FOUND: gone'), { code: status.NOT_FOUND, details: 'gone' });
    expect(toGrpcStatus(received)).toEqual({ code: status.NOT_FOUND, details: 'gone', expected: true });
  });

  it.each(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN'])(
    'maps %s to UNAVAILABLE',
    (code) => {
      expect(toGrpcStatus(errno(code))).toEqual({ code: status.UNAVAILABLE, details: `upstream unreachable (${code})`, expected: true });
    },
  );

  it('maps a wrapped ECONNREFUSED to UNAVAILABLE', () => {
    const wrapped = new Error('x', { cause: errno('ECONNREFUSED') });
    expect(toGrpcStatus(wrapped)).toMatchObject({ code: status.UNAVAILABLE, details: 'upstream unreachable (ECONNREFUSED)' });
    expect(toGrpcStatus(new Error('outer', { cause: new Error('middle', { cause: errno('ETIMEDOUT') }) }))).toMatchObject({ code: status.UNAVAILABLE });
  });

  it('takes the first error that says a status, the cause before deeper ones', () => {
    const error = new Error('outer', { cause: ServiceError.notFound('no such model', { cause: errno('ECONNREFUSED') }) });
    expect(toGrpcStatus(error)).toMatchObject({ code: status.NOT_FOUND, details: 'no such model' });
  });

  it('looks into an AggregateError\'s errors', () => {
    const error = new AggregateError([new Error('plain'), errno('EHOSTUNREACH')], 'every address failed');
    expect(toGrpcStatus(error)).toMatchObject({ code: status.UNAVAILABLE, details: 'upstream unreachable (EHOSTUNREACH)' });
  });

  it('maps an AbortError (by name or by ABORT_ERR) to CANCELLED', () => {
    const controller = new AbortController();
    controller.abort();
    expect(toGrpcStatus(controller.signal.reason)).toEqual({ code: status.CANCELLED, details: 'operation aborted', expected: true });
    expect(toGrpcStatus(Object.assign(new Error('The operation was aborted'), { code: 'ABORT_ERR' }))).toMatchObject({ code: status.CANCELLED });
  });

  it('lets the reason under an AbortError decide when it says more', () => {
    const timedOut = Object.assign(new Error('The operation was aborted'), { code: 'ABORT_ERR', name: 'AbortError', cause: ServiceError.deadlineExceeded('deadline exceeded') });
    expect(toGrpcStatus(timedOut)).toMatchObject({ code: status.DEADLINE_EXCEEDED });
  });

  it('maps the TimeoutError of AbortSignal.timeout to DEADLINE_EXCEEDED, also under an AbortError', async () => {
    const signal = AbortSignal.timeout(1);
    await new Promise((resolve) => signal.addEventListener('abort', resolve));
    expect(toGrpcStatus(signal.reason)).toEqual({ code: status.DEADLINE_EXCEEDED, details: 'deadline exceeded', expected: true });
    const { setTimeout: sleep } = await import('node:timers/promises');
    const aborted = await sleep(10, undefined, { signal }).catch((error: unknown) => error);
    expect(toGrpcStatus(aborted)).toMatchObject({ code: status.DEADLINE_EXCEEDED });
  });

  it('maps anything else to UNKNOWN with a generic message', () => {
    for (const thrown of [new Error('secret detail'), 'a string', undefined, null, 42, { code: 'EACCES' }]) {
      expect(toGrpcStatus(thrown)).toEqual({ code: status.UNKNOWN, details: 'internal error; see the server log', expected: false });
    }
  });

  it('stops on cause cycles and past eight causes deep', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    Object.assign(a, { cause: b });
    expect(toGrpcStatus(a)).toMatchObject({ code: status.UNKNOWN });

    let deep: Error = errno('ECONNREFUSED');
    for (let i = 0; i < 8; i++) deep = new Error(`wrap ${i}`, { cause: deep });
    expect(toGrpcStatus(deep)).toMatchObject({ code: status.UNAVAILABLE });
    expect(toGrpcStatus(new Error('one more', { cause: deep }))).toMatchObject({ code: status.UNKNOWN });
  });
});
