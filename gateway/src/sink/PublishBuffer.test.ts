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
  responseBytes: response,
});

const buffer = (overrides: Partial<PublishBufferOptions> = {}) =>
  new PublishBuffer({
    maxRecords: 100,
    maxBytes: 64 * KiB,
    mustNotLose: false,
    maxBatchRecords: 10,
    maxBatchBytes: 1024 * KiB,
    batchDelayMs: 0,
    maxRecordBytes: 1024 * KiB,
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
    expect(held).toMatchObject({ records: 2, dropped: 3, drops: { buffer_full: 3, oversized: 0, refused: 0, shutdown: 0 } });
  });

  it('drops a record too large for a message alone, and keeps its neighbours', () => {
    const held = buffer({ maxRecordBytes: 4 * KiB, recordOptions: { captureInputs: new Set(), headers: [], maxTensorBytes: 64 * KiB } });
    expect(held.hold(event(1 * KiB))).toBe(true);
    expect(held.hold(event(5 * KiB))).toBe(false);
    expect(held.hold(event(1 * KiB))).toBe(true);
    expect(held).toMatchObject({ records: 2, dropped: 1, drops: { oversized: 1, buffer_full: 0 } });
    expect(held.nextBatch()!.records).toHaveLength(2);
  });

  it('caps batches by bytes as well as by count, with at least one record each', () => {
    const held = buffer({ maxBatchBytes: 5 * KiB, recordOptions: { captureInputs: new Set(), headers: [], maxTensorBytes: 64 * KiB } });
    // 512 + 2 KiB each: two fit in 5 KiB, a third does not.
    for (let i = 0; i < 5; i++) held.hold(event(2 * KiB));
    // Larger than the cap alone: still goes, in a batch of its own.
    held.hold(event(8 * KiB));
    const sizes: number[] = [];
    for (let batch = held.nextBatch(); batch; batch = held.nextBatch()) sizes.push(batch.records.length);
    expect(sizes).toEqual([2, 2, 1, 1]);
  });

  it('with mustNotLose, holds past both limits rather than drop (admit() stops new calls)', () => {
    const held = buffer({ mustNotLose: true, maxRecords: 5, maxBytes: 64 * KiB, recordOptions: { captureInputs: new Set(), headers: [], maxTensorBytes: 4096 * KiB } });
    for (let i = 0; i < 20; i++) expect(held.hold(event(1 * KiB))).toBe(true);
    expect(held).toMatchObject({ records: 20, dropped: 0, full: true });
    // Only a record that could never be sent is dropped.
    expect(held.hold(event(2 * 1024 * KiB))).toBe(false);
    expect(held.drops).toEqual({ buffer_full: 0, oversized: 1, refused: 0, shutdown: 0 });
  });

  it('counts what a closing publisher leaves behind as shutdown drops', () => {
    const held = buffer();
    for (let i = 0; i < 3; i++) held.hold(event(1 * KiB));
    held.nextBatch();
    expect(held.abandon()).toBe(3);
    expect(held).toMatchObject({ records: 0, bytes: 0, hasUnbatched: false, drops: { shutdown: 3 } });
  });
  it('makes a batch due when it is full or its oldest record has waited batchDelayMs, not before', () => {
    const held = buffer({ batchDelayMs: 50, maxBatchRecords: 3 });
    expect(held.nextBatchDueInMs()).toBe(Infinity);
    const now = Date.now();
    held.hold(event(10));
    expect(held.nextBatchDueInMs(now)).toBeGreaterThan(0);
    expect(held.nextBatchDueInMs(now)).toBeLessThanOrEqual(50);
    expect(held.nextBatchDueInMs(now + 60)).toBe(0);
    held.hold(event(10));
    held.hold(event(10));
    expect(held.nextBatchDueInMs(now)).toBe(0);
    expect(held.nextBatch()!.records).toHaveLength(3);
    expect(held.nextBatchDueInMs()).toBe(Infinity);
  });
});
