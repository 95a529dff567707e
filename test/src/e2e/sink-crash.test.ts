/**
 * `kill -9` of the sink process in the middle of a run: after it is started again, every
 * record is delivered (the gateway's publisher resends what was not acknowledged, the sink
 * redelivers from its spool what its cursors had not passed), and the copies that causes
 * are de-duplicated by Postgres, Redis and JetStream; the jsonl file may hold them twice.
 */
import { LOCAL_SERVICES, localServicesAvailable, pollUntil } from '@infermesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dedupingDestinations } from '../sink/deduping-destinations.js';
import { jetStreamCounts, jsonlDocuments, postgresCounts, redisCounts } from '../sink/destination-readers.js';
import { drivePredictions } from '../sink/drive.js';
import { startSinkMesh, type SinkMesh } from '../sink/sink-mesh.js';

const COUNT = 6_000;
const available = await localServicesAvailable('postgres', 'redis', 'nats');
const destinations = dedupingDestinations('crash');
const { table, stream, natsStream } = destinations;

let mesh: SinkMesh;

describe.skipIf(!available)('kill -9 of the sink in the middle of a run', () => {
  beforeAll(async () => {
    mesh = await startSinkMesh({ sink: { destinations: destinations.entries } });
  }, 120_000);

  afterAll(async () => {
    await mesh?.stop();
    await destinations.drop();
  });

  it('delivers every record after the restart, de-duplicated where the destination can', async () => {
    const driving = drivePredictions(mesh.client, COUNT, { concurrency: 32 });
    // Kill it once it has acknowledged a good part of the run and is delivering.
    await pollUntil(() => mesh.publisher.stats().published >= COUNT / 3, { timeoutMs: 60_000, intervalMs: 20, what: 'a third of the records acknowledged' });
    const acknowledgedBeforeKill = mesh.publisher.stats().published;
    const killed = mesh.sink;
    killed.child.kill('SIGKILL');
    expect(await killed.exited).toBe('SIGKILL');
    const down = performance.now();
    await mesh.restartSink();
    const restartMs = performance.now() - down;

    expect(await driving).toBe(0);
    expect(await mesh.publisher.flush(60_000)).toBe(true);
    expect(mesh.publisher.stats()).toMatchObject({ dropped: 0, published: COUNT });

    const timeout = { timeoutMs: 90_000, intervalMs: 200 };
    const filesDir = destinations.filesDir(mesh.dataDir);
    await Promise.all([
      pollUntil(async () => (await postgresCounts(LOCAL_SERVICES.postgres.url, table)).distinct >= COUNT, { ...timeout, what: 'postgres' }),
      pollUntil(async () => (await redisCounts(LOCAL_SERVICES.redis.url, stream)).distinct >= COUNT, { ...timeout, what: 'redis' }),
      pollUntil(async () => (await jetStreamCounts(LOCAL_SERVICES.nats.url, natsStream)).messages >= COUNT, { ...timeout, what: 'jetstream' }),
      pollUntil(async () => new Set((await jsonlDocuments(filesDir, 'files')).map((d) => d.requestId)).size >= COUNT, { ...timeout, what: 'jsonl' }),
    ]);
    await pollUntil(async () => (await mesh.sinkStatus()).depth === '0', { ...timeout, what: 'the spool to drain' });

    const documents = await destinations.expectExactlyOnce(COUNT, mesh.dataDir);
    process.stdout.write(
      `sink crash: killed with SIGKILL after ${acknowledgedBeforeKill} of ${COUNT} records were acknowledged; restarted in ${Math.round(restartMs)} ms; ` +
        `all ${COUNT} delivered; jsonl holds ${documents.length - COUNT} duplicate lines, Postgres/Redis/JetStream none\n`,
    );
  }, 180_000);
});
