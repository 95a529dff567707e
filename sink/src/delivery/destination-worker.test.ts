import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { destinationSchema, silentLogger, type DestinationConfig } from '@infermesh/common';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HttpReceiver } from '@infermesh/testkit';
import { createDestination } from '../destinations/create-destination.js';
import type { PredictionDocument } from '../record/record-document.js';
import { predictionDoc } from '../destinations/delivery-items.test-helper.js';
import { CursorStore } from '../spool/CursorStore.js';
import { EntryKind } from '../spool/frame.js';
import { Spool } from '../spool/Spool.js';
import { DeadLetterFile } from './DeadLetterFile.js';
import { DestinationWorker } from './DestinationWorker.js';

const logger = silentLogger();
let dir: string;
let spool: Spool;
let receiver: HttpReceiver;
const workers: DestinationWorker[] = [];

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'infermesh-worker-'));
  spool = await Spool.open({ dir, segmentBytes: 1 << 20, maxBytes: 1 << 28, maxGroupBytes: 1 << 20, logger });
  receiver = await new HttpReceiver().start();
});
afterEach(async () => {
  await Promise.all(workers.splice(0).map((worker) => worker.close(100)));
  await receiver.stop();
  await spool.close();
  await rm(dir, { recursive: true, force: true });
});

async function spoolDocs(count: number, overrides: (i: number) => Partial<PredictionDocument> = () => ({})): Promise<PredictionDocument[]> {
  const docs = Array.from({ length: count }, (_, i) => predictionDoc({ requestId: `r-${i}`, ...overrides(i) }));
  await spool.append(docs.map((doc) => ({ kind: EntryKind.prediction, payload: Buffer.from(JSON.stringify(doc)) })));
  return docs;
}

async function startWorker(raw: Record<string, unknown>, startAt?: number): Promise<DestinationWorker> {
  const config = destinationSchema.parse(raw) as DestinationConfig;
  const resolved = config.type === 'jsonl' ? { ...config, dir: path.join(dir, 'out'), prefix: config.name } : config;
  const cursors = new CursorStore(dir);
  const worker = new DestinationWorker({
    config: resolved,
    destination: createDestination(resolved, logger),
    spool,
    cursors,
    deadLetters: new DeadLetterFile(dir, config.name),
    startAt: startAt ?? (await cursors.load(config.name)) ?? spool.firstSequence,
    onAdvance: () => undefined,
    logger,
  });
  workers.push(worker);
  worker.start();
  return worker;
}

const http = (overrides: Record<string, unknown> = {}) => ({ name: 'hook', type: 'http', url: receiver.url, ...overrides });
const fastRetry = { initialDelayMs: 10, maxDelayMs: 20 };

describe('DestinationWorker', () => {
  it('sends batches by size and by time, saves its cursor, and resumes from it', async () => {
    await spoolDocs(25);
    const first = await startWorker(http({ batch: { maxRecords: 10, maxDelayMs: 50 } }));
    await vi.waitFor(() => expect(first.position).toBe(26), { timeout: 30_000, interval: 20 });
    expect(receiver.requests).toHaveLength(3);
    expect(receiver.events.map((e) => e.data.requestId)).toEqual([...Array(25).keys()].map((i) => `r-${i}`));
    // The position moves first; the cursor file is saved just after, asynchronously.
    await vi.waitFor(async () => expect(JSON.parse(await readFile(path.join(dir, 'cursors', 'hook.json'), 'utf8'))).toEqual({ next: 26 }), {
      timeout: 30_000,
      interval: 20,
    });
    await first.close();
    workers.splice(0);

    await spoolDocs(3, (i) => ({ requestId: `late-${i}` }));
    const second = await startWorker(http());
    await vi.waitFor(() => expect(second.position).toBe(29), { timeout: 30_000, interval: 20 });
    expect(receiver.events.map((e) => e.data.requestId).slice(25)).toEqual(['late-0', 'late-1', 'late-2']);
  });

  it('retries a failing destination with backoff until it takes the batch', async () => {
    receiver.status = 503;
    await spoolDocs(5);
    const worker = await startWorker(http({ retry: { maxAttempts: 0, ...fastRetry } }));
    await vi.waitFor(() => expect(worker.stats.retried).toBeGreaterThanOrEqual(10), { timeout: 30_000, interval: 10 });
    expect(worker.stats.lastError).toContain('HTTP 503');
    expect(worker.position).toBe(1);
    receiver.status = 200;
    await vi.waitFor(() => expect(worker.position).toBe(6), { timeout: 30_000, interval: 10 });
    expect(worker.stats).toMatchObject({ delivered: 5, deadLettered: 0, lastError: '' });
    expect(receiver.ids().size).toBe(5);
  });

  it('dead-letters a batch after maxAttempts, and at once when the destination refuses it', async () => {
    receiver.status = 503;
    const docs = await spoolDocs(2);
    const worker = await startWorker(http({ retry: { maxAttempts: 3, ...fastRetry } }));
    await vi.waitFor(() => expect(worker.position).toBe(3), { timeout: 30_000, interval: 10 });
    receiver.status = 400;
    await spoolDocs(1);
    await vi.waitFor(() => expect(worker.position).toBe(4), { timeout: 30_000, interval: 10 });
    expect(worker.stats).toMatchObject({ delivered: 0, retried: 4, deadLettered: 3 });
    const lines = (await readFile(path.join(dir, 'dead-letters', 'hook.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({ attempts: 3, reason: expect.stringContaining('HTTP 503'), record: docs[0] });
    expect(lines[2]).toMatchObject({ attempts: 1, reason: expect.stringContaining('HTTP 400') });
  });

  it('retries a retryable failure for the outage window, then dead-letters the batch saying why', async () => {
    receiver.status = 503;
    await spoolDocs(2);
    const started = Date.now();
    const worker = await startWorker(http({ retry: { outageWindowMs: 1_000, ...fastRetry } }));
    await vi.waitFor(() => expect(worker.position).toBe(3), { timeout: 30_000, interval: 10 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(worker.stats.retried).toBeGreaterThan(10);
    const [line] = (await readFile(path.join(dir, 'dead-letters', 'hook.jsonl'), 'utf8')).trim().split('\n');
    expect(JSON.parse(line!)).toMatchObject({ reason: expect.stringContaining('failing for longer than retry.outageWindowMs 1000 ms') });
  });

  it('dead-letters only the record a destination refuses, not the batch it came in', async () => {
    receiver.refuse = (event) => event.data.requestId === 'r-3';
    await spoolDocs(8);
    const worker = await startWorker(http({ batch: { maxRecords: 8, maxDelayMs: 50 } }));
    await vi.waitFor(() => expect(worker.position).toBe(9), { timeout: 30_000, interval: 10 });
    expect(receiver.events.map((e) => e.data.requestId)).toEqual(['r-0', 'r-1', 'r-2', 'r-4', 'r-5', 'r-6', 'r-7']);
    expect(worker.stats).toMatchObject({ delivered: 7, deadLettered: 1 });
    const lines = (await readFile(path.join(dir, 'dead-letters', 'hook.jsonl'), 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ reason: expect.stringContaining('HTTP 422'), record: { requestId: 'r-3' } });
  });

  it('passes over what its filter does not take', async () => {
    await spoolDocs(12, (i) => ({ modelName: i % 3 === 0 ? 'simple' : 'mlp', status: i % 4 === 0 ? 'NOT_FOUND' : 'OK' }));
    const worker = await startWorker(http({ filter: { models: ['mlp'], status: 'ok' } }));
    await vi.waitFor(() => expect(worker.position).toBe(13), { timeout: 30_000, interval: 10 });
    expect(receiver.events.map((e) => e.data.requestId)).toEqual(['r-1', 'r-2', 'r-5', 'r-7', 'r-10', 'r-11']);
    expect(worker.stats).toMatchObject({ delivered: 6, filtered: 6 });
  });

  it('passes over entries of other kinds without parsing them', async () => {
    // Not JSON: parsing it would count it as an unreadable entry (deadLettered) instead.
    await spool.append([{ kind: EntryKind.deadLetter, payload: Buffer.from('not json') }]);
    await spoolDocs(2);
    const worker = await startWorker(http());
    await vi.waitFor(() => expect(worker.position).toBe(4), { timeout: 30_000, interval: 10 });
    expect(worker.stats).toMatchObject({ delivered: 2, filtered: 1, deadLettered: 0 });
  });

  it('is not held back by another destination that hangs', async () => {
    receiver.status = 0;
    const hung = await startWorker(http({ timeoutMs: 60_000 }));
    const file = await startWorker({ name: 'file', type: 'jsonl', batch: { maxRecords: 50 } });
    await spoolDocs(200);
    await vi.waitFor(() => expect(file.position).toBe(201), { timeout: 30_000, interval: 10 });
    expect(hung.position).toBe(1);
    expect(hung.lag).toBe(200);
    const lines = (await readFile(path.join(dir, 'out', 'file-000001.jsonl'), 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(200);
  });
});
