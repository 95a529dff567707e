import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { resolveConfig, silentLogger } from '@infermesh/common';
import { inferenceProto } from '@infermesh/proto';
import { sinkProto, type PredictionRecord, type SinkClient, type SinkStatusResponse__Output } from '@infermesh/proto/sink';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { lintExposition } from '@infermesh/testkit';
import { createSink, type Sink } from './create-sink.js';

let dataDir: string;
let sink: Sink | undefined;
let client: SinkClient | undefined;

const start = async (extra: Record<string, unknown> = {}) => {
  const config = resolveConfig(
    {
      dataDir,
      runners: [{ name: 'r', device: 'cpu' }],
      sink: { port: 0, metricsPort: 0, destinations: [{ name: 'out', type: 'jsonl', batch: { maxDelayMs: 20 } }], ...extra },
    },
    {},
    { source: 'test' },
  );
  sink = await createSink(config.sink, { logger: silentLogger() });
  client = new sinkProto.Sink(sink.address, grpc.credentials.createInsecure());
  return sink;
};

const record = (i: number): PredictionRecord => ({
  record_id: randomUUID(),
  time_unix_ms: Date.UTC(2026, 0, 1) + i,
  request_id: `req-${i}`,
  model_name: 'simple',
  model_version: '1',
  runner: '127.0.0.1:8101',
  latency_ms: 0.5,
  status: 'OK',
  outputs: [{ name: 'OUTPUT0', datatype: 'INT32', shape: [1, 2], raw: Buffer.from(new Int32Array([i, -i]).buffer) }],
  headers: { 'x-user': 'u1' },
  trace_id: '0af7651916cd43dd8448eb211c80319c',
});

/** Publishes batches on one stream; resolves with the acks, or rejects with the stream's error. */
function publish(batches: PredictionRecord[][]): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const acks: number[] = [];
    const stream = client!.Publish();
    stream.on('data', (ack: { sequence: string }) => {
      acks.push(Number(ack.sequence));
      if (acks.length === batches.length) stream.end();
    });
    stream.on('error', reject);
    stream.on('end', () => resolve(acks));
    batches.forEach((records, i) => stream.write({ sequence: i + 1, records }));
  });
}

async function jsonlLines(): Promise<Record<string, unknown>[]> {
  const dir = path.join(dataDir, 'predictions');
  const files = (await readdir(dir).catch(() => [] as string[])).sort();
  const text = (await Promise.all(files.map((file) => readFile(path.join(dir, file), 'utf8')))).join('');
  return text.trim() === '' ? [] : text.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
}

beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'infermesh-sink-'));
});
afterEach(async () => {
  client?.close();
  await sink?.close();
  sink = undefined;
  await rm(dataDir, { recursive: true, force: true });
});

describe('createSink', () => {
  it('acknowledges each batch once spooled, delivers it, and reports it in Status and /metrics', async () => {
    await start();
    const batches = [[record(0), record(1)], [record(2)], Array.from({ length: 50 }, (_, i) => record(3 + i))];
    expect(await publish(batches)).toEqual([1, 2, 3]);
    expect(sink!.status().next_sequence).toBe(54);
    await vi.waitFor(async () => expect(await jsonlLines()).toHaveLength(53), { timeout: 30_000, interval: 20 });
    const [first] = await jsonlLines();
    expect(first).toEqual({
      kind: 'prediction',
      id: batches[0]![0]!.record_id,
      time: '2026-01-01T00:00:00.000Z',
      requestId: 'req-0',
      modelName: 'simple',
      modelVersion: '1',
      requestedVersion: '',
      runner: '127.0.0.1:8101',
      device: '',
      latencyMs: 0.5,
      status: 'OK',
      error: '',
      outputs: [{ name: 'OUTPUT0', datatype: 'INT32', shape: [1, 2], data: [0, 0] }],
      headers: { 'x-user': 'u1' },
      traceId: '0af7651916cd43dd8448eb211c80319c',
    });
    // The destination's cursor moves just after its lines are written: wait for it.
    const status = () => new Promise<SinkStatusResponse__Output>((resolve, reject) => client!.Status({}, (error, value) => (error ? reject(error) : resolve(value!))));
    await vi.waitFor(
      async () =>
        expect(await status()).toMatchObject({ next_sequence: '54', depth: '0', destinations: [{ name: 'out', type: 'jsonl', cursor: '54', lag: '0', delivered: '53' }] }),
      { timeout: 30_000, interval: 20 },
    );
    const metrics = await (await fetch(`http://${sink!.metricsAddress}/metrics`)).text();
    expect(metrics).toContain('infermesh_sink_spool_depth_records{service="sink"} 0');
    expect(metrics).toContain('infermesh_sink_delivered_records_total{destination="out",service="sink"} 53');
    expect(metrics).toContain('infermesh_sink_received_records_total{kind="prediction",service="sink"} 53');
    expect(metrics).toMatch(/infermesh_sink_destination_lag_records\{destination="out",service="sink"\} 0/);
    expect(lintExposition(metrics)).toEqual([]);
  });

  it('builds the tensors of records published as serialized messages, raw or typed; one that does not decode goes without', async () => {
    await start();
    const method = inferenceProto.GRPCInferenceService.service.ModelInfer;
    const asPublished = (i: number, messages: Pick<PredictionRecord, 'response' | 'request'>): PredictionRecord => ({ ...record(i), outputs: [], ...messages });
    const raw = asPublished(0, {
      response: method.responseSerialize({ outputs: [{ name: 'OUTPUT0', datatype: 'INT32', shape: [1, 2] }], raw_output_contents: [Buffer.from(new Int32Array([7, 8]).buffer)] }),
    });
    const typed = asPublished(1, {
      response: method.responseSerialize({ outputs: [{ name: 'OUTPUT0', datatype: 'FP32', shape: [2], contents: { fp32_contents: [1.5, -2] } }] }),
      request: method.requestSerialize({ inputs: [{ name: 'TEXT', datatype: 'BYTES', shape: [1], contents: { bytes_contents: [Buffer.from('hi')] } }] }),
    });
    const undecodable = asPublished(2, { response: Buffer.from([0xff, 0xff, 0xff, 0xff]) });
    expect(await publish([[raw, typed, undecodable]])).toEqual([1]);
    await vi.waitFor(async () => expect(await jsonlLines()).toHaveLength(3), { timeout: 30_000, interval: 20 });
    const [first, second, third] = await jsonlLines();
    expect(first).toMatchObject({ requestId: 'req-0', outputs: [{ name: 'OUTPUT0', datatype: 'INT32', shape: [1, 2], data: [7, 8] }], headers: { 'x-user': 'u1' } });
    expect(first).not.toHaveProperty('inputs');
    expect(first).not.toHaveProperty('tensorsOmitted');
    expect(second).toMatchObject({
      outputs: [{ name: 'OUTPUT0', datatype: 'FP32', shape: [2], data: [1.5, -2] }],
      inputs: [{ name: 'TEXT', datatype: 'BYTES', shape: [1], data: ['hi'] }],
    });
    expect(third).toMatchObject({ requestId: 'req-2', status: 'OK', outputs: [], tensorsOmitted: true, traceId: '0af7651916cd43dd8448eb211c80319c' });
  });

  it('refuses a record without a usable id, naming it', async () => {
    await start();
    await expect(publish([[{ ...record(0), record_id: 'has space' }]])).rejects.toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: "record_id must be 1-128 printable ASCII characters without spaces, got 'has space'",
    });
  });

  it('keeps its cursor across a restart: nothing is delivered twice after a clean stop', async () => {
    await start();
    await publish([[record(0), record(1)]]);
    await vi.waitFor(async () => expect(await jsonlLines()).toHaveLength(2), { timeout: 30_000, interval: 20 });
    client!.close();
    await sink!.close();
    await start();
    await publish([[record(2)]]);
    await vi.waitFor(async () => expect(await jsonlLines()).toHaveLength(3), { timeout: 30_000, interval: 20 });
    expect((await jsonlLines()).map((line) => line.requestId)).toEqual(['req-0', 'req-1', 'req-2']);
  });

  it('deletes spool segments once every destination has passed them', async () => {
    await start({ spool: { segmentBytes: 64 * 1024 } });
    const padded = (i: number) => ({ ...record(i), headers: { pad: 'x'.repeat(900) } });
    for (let batch = 0; batch < 6; batch++) await publish([Array.from({ length: 100 }, (_, i) => padded(batch * 100 + i))]);
    await vi.waitFor(async () => expect(await jsonlLines()).toHaveLength(600), { timeout: 30_000, interval: 20 });
    await vi.waitFor(() => expect(sink!.status()).toMatchObject({ depth: 0, segments: 1 }), { timeout: 30_000, interval: 20 });
    // The count drops as deletion starts; the files go just after.
    await vi.waitFor(async () => expect(await readdir(path.join(dataDir, 'sink', 'spool', 'segments'))).toHaveLength(1), {
      timeout: 30_000,
      interval: 20,
    });
    expect(sink!.status().next_sequence).toBe(601);
  });
});
