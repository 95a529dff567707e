/**
 * The gateway's sink publisher when the sink is away: predict calls never wait for it; the
 * buffer holds up to its limit and counts what it drops; with mustNotLose, admit() refuses
 * calls instead; everything held reaches the sink once it is back.
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

const event = (i: number): InferEvent => ({
  modelName: 'simple',
  requestedVersion: '',
  version: '1',
  requestId: `e-${i}`,
  runner: '127.0.0.1:1',
  code: grpc.status.OK,
  details: '',
  latencyMs: 1,
  receivedAt: Date.now(),
  headers: { get: () => [], names: () => [] },
  traceparent: '',
  request: Buffer.alloc(0),
  response: Buffer.alloc(0),
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
    expect(mesh.publisher.stats()).toMatchObject({ buffered: 20, dropped: before.dropped + 30, connected: false });
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
      expect.objectContaining({ code: grpc.status.UNAVAILABLE, details: expect.stringContaining('sink.publisher.mustNotLose') }),
    );
    // Calls admitted before the limit was reached still keep their records.
    for (let i = 5; i < 10; i++) publisher.onInfer(event(i));
    expect(publisher.stats()).toMatchObject({ buffered: 10, dropped: 0 });

    await mesh.restartSink();
    expect(await publisher.flush(30_000)).toBe(true);
    expect(publisher.stats()).toMatchObject({ buffered: 0, published: 10, dropped: 0 });
    expect(() => publisher.admit()).not.toThrow();
    await publisher.close();
    await pollUntil(async () => (await mesh.sinkStatus()).depth === '0', { timeoutMs: 30_000, what: 'delivery' });
  }, 120_000);
});
