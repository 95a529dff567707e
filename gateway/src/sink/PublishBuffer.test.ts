import * as grpc from '@grpc/grpc-js';
import { silentLogger } from '@infermesh/common';
import { describe, expect, it } from 'vitest';
import { NO_CALL_HEADERS } from '../CallHeaders.js';
import type { InferEvent } from '../InferObserver.js';
import { PublishBuffer, type PublishBufferOptions } from './PublishBuffer.js';

const KiB = 1024;

const event = (response: number, request = 0): InferEvent => ({
  modelName: 'simple',
  requestedVersion: '',
  version: '1',
  requestId: 'req',
  runner: '127.0.0.1:1',
  code: grpc.status.OK,
  details: '',
  latencyMs: 1,
  receivedAt: 1_790_000_000_000,
  headers: NO_CALL_HEADERS,
  traceparent: '',
  request: Buffer.alloc(request),
  response: Buffer.alloc(response),
});

const buffer = (overrides: Partial<PublishBufferOptions> = {}) =>
  new PublishBuffer({
    maxRecords: 100,
    maxBytes: 64 * KiB,
    mustNotLose: false,
    maxBatchRecords: 10,
    recordOptions: { captureInputs: new Set(), headers: [], maxTensorBytes: 4 * KiB },
    sink: '127.0.0.1:1',
    logger: silentLogger(),
    ...overrides,
  });

describe('PublishBuffer', () => {
  it('counts the messages each record carries, and hands them on as they are', () => {
    const held = buffer();
    const inference = event(2 * KiB, 1 * KiB);
    expect(held.hold(inference)).toBe(true);
    // The request is not captured: only the response counts (plus the fixed overhead).
    expect(held.bytes).toBe(512 + 2 * KiB);
    const [record] = held.nextBatch()!.records;
    expect(record!.response).toBe(inference.response);
    expect(record!.request).toEqual(Buffer.alloc(0));
    expect(record!.tensors_omitted).toBe(false);
  });

  it('holds no bytes of messages over maxTensorBytes: their record goes without tensors', () => {
    const held = buffer();
    // Over the buffer's own byte limit, were the messages kept.
    for (let i = 0; i < 20; i++) expect(held.hold(event(8 * KiB))).toBe(true);
    expect(held).toMatchObject({ records: 20, bytes: 20 * 512, dropped: 0 });
    const batch = held.nextBatch()!;
    expect(batch.records).toHaveLength(10);
    expect(batch.records.every((record) => record.tensors_omitted && (record.response as Buffer).byteLength === 0)).toBe(true);
  });

  it('drops what is over its byte limit and counts it', () => {
    const held = buffer({ maxBytes: 8 * KiB });
    let kept = 0;
    for (let i = 0; i < 5; i++) kept += held.hold(event(3 * KiB)) ? 1 : 0;
    expect(kept).toBe(2);
    expect(held).toMatchObject({ records: 2, dropped: 3 });
  });
});
