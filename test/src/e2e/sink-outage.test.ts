/**
 * Two destinations go down while predictions flow (the HTTP receiver stops; PostgreSQL sits
 * behind a proxy that starts refusing connections): the other destinations get every record
 * meanwhile, and once both come back they get every record too: none lost.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { HttpReceiver, LOCAL_SERVICES, localServicesAvailable, pollUntil } from '@infermesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropPostgresTable, dropRedisStream, jsonlDocuments, postgresCounts, redisCounts } from '../sink/destination-readers.js';
import { drivePredictions } from '../sink/drive.js';
import { startSinkMesh, type SinkMesh } from '../sink/sink-mesh.js';
import { TcpProxy } from '../sink/tcp-proxy.js';

const COUNT = 3_000;
const available = await localServicesAvailable('postgres', 'redis');
const suffix = randomBytes(5).toString('hex');
const table = `sink_outage_${suffix}`;
const stream = `infermesh:outage:${suffix}`;

let mesh: SinkMesh;
let receiver: HttpReceiver;
let proxy: TcpProxy;

describe.skipIf(!available)('a destination that is down for a while', () => {
  beforeAll(async () => {
    receiver = await new HttpReceiver().start();
    proxy = await new TcpProxy(LOCAL_SERVICES.postgres.port).start();
    // Retry forever, quickly, so the test does not wait out long backoffs.
    const retry = { maxAttempts: 0, initialDelayMs: 50, maxDelayMs: 500 };
    mesh = await startSinkMesh({
      sink: {
        destinations: [
          { name: 'files', type: 'jsonl' },
          { name: 'redis', type: 'redis', url: LOCAL_SERVICES.redis.url, stream },
          { name: 'hook', type: 'http', url: receiver.url, timeoutMs: 2_000, retry },
          { name: 'pg', type: 'postgres', url: `postgres://postgres@127.0.0.1:${proxy.port}/test`, table, timeoutMs: 2_000, retry },
        ],
      },
    });
  }, 120_000);

  afterAll(async () => {
    await mesh?.stop();
    await receiver?.stop();
    await proxy?.stop();
    await dropPostgresTable(LOCAL_SERVICES.postgres.url, table).catch(() => undefined);
    await dropRedisStream(LOCAL_SERVICES.redis.url, stream).catch(() => undefined);
  });

  it('loses nothing, delivers everything once it is back, and never holds back the others', async () => {
    await receiver.stop();
    await proxy.stop();
    expect(await drivePredictions(mesh.client, COUNT)).toBe(0);
    expect(await mesh.publisher.flush(60_000)).toBe(true);

    // Meanwhile: the healthy destinations have everything, the two down ones nothing.
    const filesDir = join(mesh.dataDir, 'predictions');
    const timeout = { timeoutMs: 60_000, intervalMs: 200 };
    await pollUntil(async () => new Set((await jsonlDocuments(filesDir, 'files')).map((d) => d.id)).size === COUNT, { ...timeout, what: 'jsonl' });
    await pollUntil(async () => (await redisCounts(LOCAL_SERVICES.redis.url, stream)).entries === COUNT, { ...timeout, what: 'redis' });
    const during = await mesh.sinkStatus();
    const byName = Object.fromEntries(during.destinations.map((d) => [d.name, d]));
    expect(byName.files).toMatchObject({ lag: '0', delivered: String(COUNT) });
    expect(byName.hook).toMatchObject({ delivered: '0', lag: String(COUNT), dead_lettered: '0' });
    expect(byName.pg).toMatchObject({ delivered: '0', lag: String(COUNT), dead_lettered: '0' });
    expect(Number(byName.hook!.retried)).toBeGreaterThan(0);
    expect(byName.pg!.last_error).toMatch(/ECONNREFUSED|Connection terminated|ECONNRESET/);
    expect(receiver.events).toHaveLength(0);

    // Back up: everything arrives, nothing twice in Postgres.
    const back = performance.now();
    await receiver.start();
    await proxy.start();
    const httpMs = await pollUntil(() => receiver.ids().size === COUNT, { ...timeout, what: 'http after recovery', describe: () => receiver.ids().size });
    const pgMs = await pollUntil(async () => (await postgresCounts(LOCAL_SERVICES.postgres.url, table)).rows === COUNT, {
      ...timeout,
      what: 'postgres after recovery',
      describe: () => postgresCounts(LOCAL_SERVICES.postgres.url, table),
    });
    expect(await postgresCounts(LOCAL_SERVICES.postgres.url, table)).toEqual({ rows: COUNT, distinct: COUNT });
    const after = await mesh.sinkStatus();
    expect(after.depth).toBe('0');
    for (const destination of after.destinations) expect(destination).toMatchObject({ lag: '0', dead_lettered: '0', last_error: '' });
    process.stdout.write(
      `sink outage: ${COUNT} records held while http and postgres were down; after they came back: http complete in ${Math.round(httpMs)} ms, ` +
        `postgres in ${Math.round(pgMs)} ms (${Math.round(performance.now() - back)} ms in all)\n`,
    );
  }, 180_000);
});
