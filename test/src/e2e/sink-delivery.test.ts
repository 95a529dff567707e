/**
 * 10,000 predictions through a real gateway reach every destination of a real sink process:
 * exactly once in PostgreSQL, the Redis stream and JetStream, at least once in the jsonl
 * files and at an HTTP receiver. Prints how long each destination took.
 */
import { HttpReceiver, LOCAL_SERVICES, localServicesAvailable, pollUntil } from '@infermesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dedupingDestinations } from '../sink/deduping-destinations.js';
import { jetStreamCounts, jsonlDocuments, postgresCounts, redisCounts } from '../sink/destination-readers.js';
import { drivePredictions } from '../sink/drive.js';
import { startSinkMesh, type SinkMesh } from '../sink/sink-mesh.js';

const COUNT = 10_000;
const available = await localServicesAvailable('postgres', 'redis', 'nats');
const destinations = dedupingDestinations('e2e');
const { table, stream, natsStream } = destinations;

let mesh: SinkMesh;
let receiver: HttpReceiver;

describe.skipIf(!available)('sink delivery of 10,000 predictions', () => {
  beforeAll(async () => {
    receiver = await new HttpReceiver().start();
    mesh = await startSinkMesh({
      sink: { destinations: [...destinations.entries, { name: 'hook', type: 'http', url: receiver.url }] },
      publisher: { headers: ['x-tenant'] },
    });
  }, 120_000);

  afterAll(async () => {
    await mesh?.stop();
    await receiver?.stop();
    await destinations.drop();
  });

  it('arrive exactly once in Postgres, Redis and JetStream, and at least once in jsonl and over HTTP', async () => {
    const started = performance.now();
    const failed = await drivePredictions(mesh.client, COUNT, { concurrency: 64, metadata: { 'x-tenant': 't1' } });
    const drivenMs = performance.now() - started;
    expect(failed).toBe(0);
    expect(await mesh.publisher.flush(60_000)).toBe(true);
    expect(mesh.publisher.stats()).toMatchObject({ dropped: 0, buffered: 0, published: COUNT });

    const filesDir = destinations.filesDir(mesh.dataDir);
    const timeout = { timeoutMs: 90_000, intervalMs: 200 };
    const since = () => performance.now() - started;
    const done: Record<string, number> = {};
    await Promise.all([
      pollUntil(async () => (await postgresCounts(LOCAL_SERVICES.postgres.url, table)).rows >= COUNT, { ...timeout, what: 'postgres' }).then(() => (done.postgres = since())),
      pollUntil(async () => (await redisCounts(LOCAL_SERVICES.redis.url, stream)).entries >= COUNT, { ...timeout, what: 'redis' }).then(() => (done.redis = since())),
      pollUntil(async () => (await jetStreamCounts(LOCAL_SERVICES.nats.url, natsStream)).messages >= COUNT, { ...timeout, what: 'jetstream' }).then(() => (done.nats = since())),
      pollUntil(async () => new Set((await jsonlDocuments(filesDir, 'files')).map((d) => d.id)).size >= COUNT, { ...timeout, what: 'jsonl' }).then(() => (done.jsonl = since())),
      pollUntil(() => receiver.ids().size >= COUNT, { ...timeout, what: 'http receiver' }).then(() => (done.http = since())),
    ]);
    const status = await mesh.sinkStatus();
    expect(status.depth).toBe('0');

    const documents = await destinations.expectExactlyOnce(COUNT, mesh.dataDir);
    expect(receiver.ids().size).toBe(COUNT);

    const sample = documents.find((d) => d.requestId === 'p-7') as Record<string, unknown>;
    expect(sample).toMatchObject({ modelName: 'simple', modelVersion: '1', status: 'OK', headers: { 'x-tenant': 't1' } });
    expect((sample.outputs as { name: string; data: number[] }[]).find((o) => o.name === 'OUTPUT0')!.data).toEqual(Array.from({ length: 16 }, (_, k) => 7 + k + 1));

    process.stdout.write(
      `sink delivery: ${COUNT} predictions driven in ${Math.round(drivenMs)} ms; all delivered after (ms from the first call): ` +
        `${Object.entries(done).map(([name, ms]) => `${name} ${Math.round(ms)}`).join(', ')}; ` +
        `jsonl lines ${documents.length}, http events ${receiver.events.length}\n`,
    );
  }, 180_000);
});
