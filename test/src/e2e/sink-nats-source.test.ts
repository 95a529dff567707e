/**
 * A NATS source feeding 1,000 messages, some malformed, produces 1,000 outcomes: a
 * prediction record for each well-formed message (OK, or the gateway's error for an unknown
 * model) and a dead letter with the reason for each malformed one. The source goes on
 * through all of them.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { LOCAL_SERVICES, localServicesAvailable, pollUntil } from '@infermesh/testkit';
import { connect } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropPostgresTable, jsonlDocuments, postgresQuery } from '../sink/destination-readers.js';
import { startSinkMesh, type SinkMesh } from '../sink/sink-mesh.js';

const COUNT = 1_000;
const available = await localServicesAvailable('postgres', 'nats');
const suffix = randomBytes(5).toString('hex');
const table = `sink_source_${suffix}`;
const subject = `infermesh.inputs.${suffix}`;

/** Message i: every 10th (i % 10 === 3) malformed in one of several ways, i % 10 === 7 for an unknown model. */
function message(i: number): string {
  const inputs = {
    INPUT0: { datatype: 'INT32', shape: [1, 16], data: Array.from({ length: 16 }, (_, k) => i + k) },
    INPUT1: { datatype: 'INT32', shape: [1, 16], data: Array(16).fill(1) },
  };
  if (i % 10 === 7) return JSON.stringify({ model: 'nope', id: `m-${i}`, inputs });
  if (i % 10 !== 3) return JSON.stringify({ model: 'simple', id: `m-${i}`, inputs });
  switch (i % 40) {
    case 3:
      return `{"model": "simple", "id": "m-${i}", "inputs": `;
    case 13:
      return JSON.stringify({ model: 'simple', id: `m-${i}` });
    case 23:
      return JSON.stringify({ model: 'simple', id: `m-${i}`, inputs: { INPUT0: { datatype: 'INT32', shape: [1, 16], data: ['x'] } } });
    default:
      return JSON.stringify({ model: 'simple', id: `m-${i}`, inputs: { INPUT0: { datatype: 'FLOAT', shape: [1], data: [1] } } });
  }
}

let mesh: SinkMesh;

describe.skipIf(!available)('a NATS source', () => {
  beforeAll(async () => {
    mesh = await startSinkMesh({
      sink: {
        destinations: [
          { name: 'pg', type: 'postgres', url: LOCAL_SERVICES.postgres.url, table },
          { name: 'dead', type: 'jsonl', filter: { kinds: ['dead-letter'] } },
        ],
        sources: [{ name: 'inputs', type: 'nats', servers: [LOCAL_SERVICES.nats.url], subject, concurrency: 32 }],
      },
    });
    await mesh.sinkLogged('source subscribed');
  }, 120_000);

  afterAll(async () => {
    await mesh?.stop();
    await dropPostgresTable(LOCAL_SERVICES.postgres.url, table).catch(() => undefined);
  });

  it('turns 1,000 messages into 1,000 outcomes: predictions, and dead letters with reasons', async () => {
    const nc = await connect({ servers: LOCAL_SERVICES.nats.url });
    for (let i = 0; i < COUNT; i++) nc.publish(subject, message(i));
    await nc.flush();
    await nc.close();

    const deadDir = join(mesh.dataDir, 'predictions');
    const predictions = () =>
      postgresQuery<{ status: string; count: string }>(
        LOCAL_SERVICES.postgres.url,
        `SELECT status, count(*) AS count FROM ${table} WHERE request_id LIKE 'm-%' GROUP BY status ORDER BY status`,
      ).catch(() => []);
    const outcomes = async () => {
      const rows = await predictions();
      const dead = await jsonlDocuments(deadDir, 'dead');
      return rows.reduce((sum, row) => sum + Number(row.count), 0) + dead.length;
    };
    await pollUntil(async () => (await outcomes()) >= COUNT, { timeoutMs: 90_000, intervalMs: 250, what: '1,000 outcomes', describe: outcomes });

    expect(await predictions()).toEqual([
      { status: 'NOT_FOUND', count: '100' },
      { status: 'OK', count: '800' },
    ]);
    const dead = await jsonlDocuments(deadDir, 'dead');
    expect(dead).toHaveLength(100);
    expect(dead[0]).toMatchObject({ kind: 'dead-letter', source: 'inputs', sourceType: 'nats', channel: subject });
    const reasons = new Set(dead.map((d) => String(d.reason).replace(/at position \d+.*|\(line \d+.*/, '…')));
    expect(reasons).toEqual(
      new Set([
        expect.stringMatching(/^not JSON: /) as unknown as string,
        'inputs: Invalid input: expected record, received undefined',
        'inputs.INPUT0.data.0: expected a number for INT32, got "x"',
        expect.stringMatching(/^inputs\.INPUT0\.datatype: expected one of BOOL, /) as unknown as string,
      ]),
    );
    const ids = new Set(dead.map((d) => /"id": ?"(m-\d+)"/.exec(String(d.message))?.[1]));
    expect(ids).toEqual(new Set(Array.from({ length: 100 }, (_, k) => `m-${k * 10 + 3}`)));

    const metricsAddress = (await mesh.sinkLogged('sink started'))[0]!.metrics as string;
    const metrics = await (await fetch(`http://${metricsAddress}/metrics`)).text();
    expect(metrics).toContain('infermesh_sink_source_messages_total{source="inputs",outcome="ok",service="sink"} 800');
    expect(metrics).toContain('infermesh_sink_source_messages_total{source="inputs",outcome="error",service="sink"} 100');
    expect(metrics).toContain('infermesh_sink_source_messages_total{source="inputs",outcome="dead_lettered",service="sink"} 100');
  }, 180_000);
});
