import * as grpc from '@grpc/grpc-js';
import { inferenceProto } from '@infermesh/proto';
import { describe, expect, it } from 'vitest';
import { http2CallHeaders, metadataCallHeaders } from '../CallHeaders.js';
import type { InferEvent } from '../InferObserver.js';
import { predictionRecord, recordMessages, type RecordOptions } from './prediction-record.js';
import { traceIdOf } from './trace-id.js';

const method = inferenceProto.GRPCInferenceService.service.ModelInfer;
const int32 = (...values: number[]) => Buffer.from(new Int32Array(values).buffer);

function event(overrides: Partial<InferEvent> = {}): InferEvent {
  const metadata = new grpc.Metadata();
  metadata.set('x-user', 'u7');
  metadata.set('x-secret', 'no');
  metadata.set('traceparent', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
  const event = {
    modelName: 'simple',
    requestedVersion: '',
    version: '1',
    requestId: 'req-1',
    runner: '127.0.0.1:8101',
    code: grpc.status.OK,
    details: '',
    latencyMs: 2.5,
    receivedAt: 1_790_000_000_000,
    headers: metadataCallHeaders(metadata),
    traceparent: '',
    request: method.requestSerialize({
      model_name: 'simple',
      id: 'req-1',
      inputs: [{ name: 'INPUT0', datatype: 'INT32', shape: [1, 2], contents: { int_contents: [3, 4] } }],
    }),
    response: method.responseSerialize({
      model_name: 'simple',
      model_version: '1',
      id: 'req-1',
      outputs: [{ name: 'OUTPUT0', datatype: 'INT32', shape: [1, 2] }],
      raw_output_contents: [int32(7, 8)],
    }),
    ...overrides,
  };
  return { ...event, responseBytes: overrides.responseBytes ?? event.response?.byteLength ?? 0 };
}

const options = (overrides: Partial<RecordOptions> = {}): RecordOptions => ({
  captureInputs: new Set(),
  headers: ['x-user', 'x-absent'],
  maxTensorBytes: 1 << 20,
  ...overrides,
});

/** The record the publisher makes of an event: its messages as held, then the record. */
const recordOf = (inference: InferEvent, recordId: string, recordOptions: RecordOptions) =>
  predictionRecord(inference, recordMessages(inference, recordOptions), recordId, recordOptions);

describe('predictionRecord', () => {
  it('records the outcome, the response as serialized (not copied, not decoded), the chosen headers and the trace id', () => {
    const inference = event();
    const record = recordOf(inference, 'rec-1', options({ deviceOf: () => 'cpu' }));
    expect(record).toEqual({
      record_id: 'rec-1',
      time_unix_ms: 1_790_000_000_000,
      request_id: 'req-1',
      model_name: 'simple',
      model_version: '1',
      requested_version: '',
      runner: '127.0.0.1:8101',
      device: 'cpu',
      latency_ms: 2.5,
      status: 'OK',
      error: '',
      response: inference.response,
      request: Buffer.alloc(0),
      headers: { 'x-user': 'u7' },
      trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
      traceparent: '',
      tensors_omitted: false,
    });
    expect(record.response).toBe(inference.response);
  });

  it('carries the request only for the models whose inputs are captured', () => {
    const inference = event();
    expect(recordOf(inference, 'rec-2', options({ captureInputs: new Set(['simple']) })).request).toBe(inference.request);
    expect(recordOf(inference, 'rec-3', options({ captureInputs: new Set(['*']) })).request).toBe(inference.request);
    expect(recordOf(inference, 'rec-4', options({ captureInputs: new Set(['other']) })).request).toEqual(Buffer.alloc(0));
  });

  it('records a failed call with its status, and leaves out messages over maxTensorBytes', () => {
    const failed = recordOf(event({ code: grpc.status.NOT_FOUND, details: "unknown model 'x'", response: undefined, runner: '' }), 'r', options());
    expect(failed).toMatchObject({ status: 'NOT_FOUND', error: "unknown model 'x'", response: Buffer.alloc(0), device: '', tensors_omitted: false });
    expect(recordOf(event(), 'r', options({ maxTensorBytes: 4 }))).toMatchObject({ response: Buffer.alloc(0), request: Buffer.alloc(0), tensors_omitted: true });
    // The request counts only when it is captured.
    const inference = event();
    const fits = inference.response!.byteLength;
    expect(recordOf(inference, 'r', options({ maxTensorBytes: fits })).tensors_omitted).toBe(false);
    expect(recordOf(inference, 'r', options({ maxTensorBytes: fits, captureInputs: new Set(['*']) })).tensors_omitted).toBe(true);
  });

  it("records every caller header with '*', but never transport, trace or credential headers", () => {
    const metadata = new grpc.Metadata();
    for (const [key, value] of [
      ['x-tenant', 't1'],
      ['x-triton-client', 'python'],
      ['authorization', 'Bearer secret'],
      ['cookie', 'c=1'],
      ['x-auth-token', 't'],
      ['api-key', 'k'],
      ['x-apikey', 'k'],
      ['x-amz-security-token', 't'],
      ['proxy-authorization', 'Basic x'],
      ['x-session-id', 's'],
      ['x-client-secret', 's'],
      ['x-db-password', 'p'],
      ['x-auth', 'a'],
      ['user-agent', 'grpc-python/1.51'],
      ['grpc-accept-encoding', 'gzip'],
      ['traceparent', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'],
    ] as const) {
      metadata.set(key, value);
    }
    metadata.set('x-blob-bin', Buffer.from([1, 2]));
    const record = recordOf(event({ headers: metadataCallHeaders(metadata) }), 'rec-2', options({ headers: ['*'] }));
    expect(record.headers).toEqual({ 'x-tenant': 't1', 'x-triton-client': 'python' });
    // Named, a credential is still not recorded (the config schema refuses it before that).
    expect(recordOf(event({ headers: metadataCallHeaders(metadata) }), 'rec-2', options({ headers: ['x-auth-token', 'x-tenant'] })).headers).toEqual({ 'x-tenant': 't1' });
  });

  it("records the same headers from a call's HTTP/2 headers as from its Metadata", () => {
    const headers = http2CallHeaders({
      ':path': '/inference.GRPCInferenceService/ModelInfer',
      ':authority': 'gw',
      'content-type': 'application/grpc',
      te: 'trailers',
      'grpc-timeout': '5S',
      'x-tenant': 't1',
      'x-multi': ['a', 'b'],
      authorization: 'Bearer secret',
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    });
    expect(recordOf(event({ headers }), 'rec-3', options({ headers: ['*'] })).headers).toEqual({ 'x-tenant': 't1', 'x-multi': 'a, b' });
    expect(recordOf(event({ headers }), 'rec-3', options({ headers: ['content-type', 'x-tenant'] })).headers).toEqual({ 'x-tenant': 't1' });
    expect(traceIdOf(headers)).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });

  it('reads trace ids only from valid traceparent headers', () => {
    const with_ = (value: string) => {
      const metadata = new grpc.Metadata();
      metadata.set('traceparent', value);
      return traceIdOf(metadataCallHeaders(metadata));
    };
    expect(with_('00-00000000000000000000000000000000-00f067aa0ba902b7-01')).toBe('');
    expect(with_('ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toBe('');
    expect(with_('garbage')).toBe('');
    expect(traceIdOf(metadataCallHeaders(new grpc.Metadata()))).toBe('');
  });

  it('carries the gateway span’s traceparent, whose trace id wins over the caller’s header', () => {
    const traceparent = '00-11111111111111111111111111111111-2222222222222222-01';
    const record = recordOf(event({ traceparent }), 'rec-4', options());
    expect(record.traceparent).toBe(traceparent);
    expect(record.trace_id).toBe('11111111111111111111111111111111');
  });

  it('marks a shadow answer with its primary version and comparison; a failed shadow call carries no comparison', () => {
    const comparison = { exact: false, agrees: true, mismatch: null, maxAbsDiff: 0.5, maxRelDiff: 0.25, argmaxRows: 1, argmaxAgreeingRows: 1 };
    const shadow = recordOf(event({ version: '2', shadow: { primaryVersion: '1', comparison } }), 'rec-2', options());
    expect(shadow).toMatchObject({ request_id: 'req-1', time_unix_ms: 1_790_000_000_000, model_version: '2' });
    expect(shadow.shadow).toEqual({ primary_version: '1', exact: false, agrees: true, max_abs_diff: 0.5, max_rel_diff: 0.25, mismatch: '' });
    expect(recordOf(event({ shadow: { primaryVersion: '1', comparison: undefined } }), 'rec-3', options()).shadow).toEqual({ primary_version: '1' });
    expect(recordOf(event(), 'rec-4', options())).not.toHaveProperty('shadow');
  });
});
