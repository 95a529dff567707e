import { randomBytes } from 'node:crypto';
import { destinationSchema, silentLogger, type PostgresConfig } from '@infermesh/common';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { LOCAL_SERVICES, localServicesAvailable } from '@infermesh/testkit';
import { deliveryItems } from './delivery-items.test-helper.js';
import { PostgresDestination } from './postgres-destination.js';

const available = await localServicesAvailable('postgres');
const table = `sink_test_${randomBytes(6).toString('hex')}`;
const signal = new AbortController().signal;
const config = (overrides: Record<string, unknown> = {}) =>
  destinationSchema.parse({ name: 'pg', type: 'postgres', url: LOCAL_SERVICES.postgres.url, table, timeoutMs: 2_000, ...overrides }) as PostgresConfig;

describe.skipIf(!available)('postgres destination', () => {
  const client = new pg.Client({ connectionString: LOCAL_SERVICES.postgres.url });
  afterAll(async () => {
    await client.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    await client.end();
  });

  it('creates its table and stores a record delivered twice once', async () => {
    await client.connect();
    const destination = new PostgresDestination(config(), silentLogger());
    const items = deliveryItems(50);
    await destination.deliver(items, signal);
    await destination.deliver([...items.slice(10, 20), ...deliveryItems(5, 51)], signal);
    await destination.close();
    const { rows } = await client.query<{ count: string; distinct: string }>(`SELECT count(*) AS count, count(DISTINCT record_id) AS distinct FROM ${table}`);
    expect(rows[0]).toEqual({ count: '55', distinct: '55' });
    const row = (await client.query(`SELECT * FROM ${table} WHERE record_id = $1`, [items[0]!.id])).rows[0] as Record<string, unknown>;
    expect(row).toMatchObject({ kind: 'prediction', model_name: 'mlp', model_version: '1', status: 'OK', latency_ms: 1.25, request_id: 'req-1' });
    expect(row.record).toEqual(items[0]!.document);
  });

  it('reports a server that refuses connections as retryable', async () => {
    const destination = new PostgresDestination(config({ url: 'postgres://postgres@127.0.0.1:1/test' }), silentLogger());
    await expect(destination.deliver(deliveryItems(1), signal)).rejects.toMatchObject({ retryable: true, message: expect.stringContaining('ECONNREFUSED') });
    await destination.close();
  });
});
