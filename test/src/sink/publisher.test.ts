/**
 * The gateway's sink publisher when the sink is away: predict calls never wait for it; the
 * buffer holds up to its limit and counts what it drops, by reason; with mustNotLose, admit()
 * refuses calls instead and no record is dropped; everything held reaches the sink once it is
 * back. A record too large for a message to the sink is dropped alone, not with its batch.
 */
import * as grpc from '@grpc/grpc-js';
import { silentLogger } from '@infermesh/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSinkPublisher } from '@infermesh/gateway/sink';
import type { InferEvent } from '@infermesh/gateway';
import { drivePredictions } from './drive.js';
import { pollUntil } from '@infermesh/testkit';
import { startSinkMesh, type SinkMesh } from './sink-mesh.js';

let mesh: SinkMesh;

const event = (i: number, responseBytes = 0): InferEvent => ({
  modelName: 'simple',
  requestedVersion: '',
  version: '1',
  requestId: `e-${i}`,
  runner: '127.0.0.1:1',
  code: grpc.status.OK,
  details: '',
  latencyMs: 1,
  receivedAt: Date.now(),
  headers: { get: () => [], has: () => false, names: () => [] },
  traceparent: '',
  request: Buffer.alloc(0),
  response: Buffer.alloc(responseBytes),
  responseBytes,
});

describe('sink publisher', () => {
  beforeAll(async () => {
    mesh = await startSinkMesh({ sink: { destinations: [{ name: 'files', type: 'jsonl' }] }, publisher: { maxBufferedRecords: 20 } });
  }, 120_000);
  afterAll(async () => {
    await mesh?.stop();
  });

  it('keeps predict calls going while the sink is down, holding up to its limit and counting drops', async () => {
    // The same calls with the sink up, timed in this run: what "not held up" is measured against.
    const startedUp = performance.now();
    expect(await drivePredictions(mesh.client, 50, { concurrency: 8, prefix: 'up-' })).toBe(0);
    const upMs = performance.now() - startedUp;
    expect(await mesh.publisher.flush(30_000)).toBe(true);
    await mesh.sink.stop();
    const before = mesh.publisher.stats();
    const started = performance.now();
    expect(await drivePredictions(mesh.client, 50, { concurrency: 8, prefix: 'down-' })).toBe(0);
    const elapsedMs = performance.now() - started;
    expect(mesh.publisher.stats()).toMatchObject({
      buffered: 20,
      dropped: before.dropped + 30,
      drops: { buffer_full: before.drops.buffer_full + 30, oversized: 0, refused: 0, shutdown: 0 },
      connected: false,
    });
    // Calls that waited on the dead sink (a connect timeout each) would take far longer.
    expect(elapsedMs).toBeLessThan(Math.max(20_000, 10 * upMs));

    await mesh.restartSink();
    expect(await mesh.publisher.flush(30_000)).toBe(true);
    expect(mesh.publisher.stats()).toMatchObject({ buffered: 0, published: before.published + 20, connected: true });
  }, 120_000);

  it('with mustNotLose, refuses calls through admit() instead of dropping, then takes them again', async () => {
    const publisher = createSinkPublisher({ address: mesh.sinkAddress, logger: silentLogger(), mustNotLose: true, maxBufferedRecords: 5 });
    await mesh.sink.stop();
    for (let i = 0; i < 5; i++) {
      publisher.admit();
      publisher.onInfer(event(i));
    }
    expect(() => publisher.admit()).toThrow(
      expect.objectContaining({
        code: grpc.status.RESOURCE_EXHAUSTED,
        details: expect.stringMatching(new RegExp(`sink at ${mesh.sinkAddress}.*sink\\.publisher\\.mustNotLose`)),
      }),
    );
    // Calls admitted before the limit was reached keep their records, however many there are
    // (the old rule dropped past twice the limit).
    for (let i = 5; i < 25; i++) publisher.onInfer(event(i));
    expect(publisher.stats()).toMatchObject({ buffered: 25, dropped: 0 });

    await mesh.restartSink();
    expect(await publisher.flush(30_000)).toBe(true);
    expect(publisher.stats()).toMatchObject({ buffered: 0, published: 25, dropped: 0 });
    expect(() => publisher.admit()).not.toThrow();
    await publisher.close();
    await pollUntil(async () => (await mesh.sinkStatus()).depth === '0', { timeoutMs: 30_000, what: 'delivery' });
  }, 120_000);

  it('drops a record too large for a message to the sink alone; the rest of its batch arrives', async () => {
    // 256 KiB messages: a record of 200 KiB of tensors cannot go, 1 KiB ones can.
    const publisher = createSinkPublisher({ address: mesh.sinkAddress, logger: silentLogger(), maxMessageBytes: 256 * 1024, maxTensorBytes: 1024 * 1024 });
    for (let i = 0; i < 10; i++) publisher.onInfer(event(i, i === 4 ? 200 * 1024 : 1024));
    expect(await publisher.flush(30_000)).toBe(true);
    expect(publisher.stats()).toMatchObject({ buffered: 0, published: 9, dropped: 1, drops: { oversized: 1, buffer_full: 0, refused: 0, shutdown: 0 } });
    await publisher.close();
  }, 60_000);

  it('caps batches in bytes so that each fits a message to the sink', async () => {
    // 40 records of 32 KiB with 256 KiB messages: by count alone (256 a batch) they would make
    // one 1.3 MiB message that the client refuses to send, again and again; the byte cap
    // (half the message size unless set lower) sends them 3 at a time.
    const publisher = createSinkPublisher({ address: mesh.sinkAddress, logger: silentLogger(), maxMessageBytes: 256 * 1024, maxTensorBytes: 1024 * 1024 });
    for (let i = 0; i < 40; i++) publisher.onInfer(event(i, 32 * 1024));
    expect(await publisher.flush(30_000)).toBe(true);
    expect(publisher.stats()).toMatchObject({ buffered: 0, published: 40, dropped: 0 });
    await publisher.close();
  }, 60_000);
});
