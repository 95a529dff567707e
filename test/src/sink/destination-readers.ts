/** What reached each destination, read back from the real servers and files, for the sink tests. */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { AckPolicy, connect, DeliverPolicy } from 'nats';
import pg from 'pg';

/** Rows and distinct record ids in a Postgres table (0, 0 when it does not exist yet). */
export async function postgresCounts(url: string, table: string): Promise<{ rows: number; distinct: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ rows: string; distinct: string }>(`SELECT count(*) AS rows, count(DISTINCT record_id) AS distinct FROM ${table}`);
    return { rows: Number(rows[0]!.rows), distinct: Number(rows[0]!.distinct) };
  } catch (error) {
    if ((error as { code?: string }).code === '42P01') return { rows: 0, distinct: 0 };
    throw error;
  } finally {
    await client.end();
  }
}

/** Drops a test's table. */
export async function dropPostgresTable(url: string, table: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`DROP TABLE IF EXISTS ${table}`).finally(() => client.end());
}

/** Entries and distinct record ids in a Redis stream written by the redis destination. */
export async function redisCounts(url: string, stream: string): Promise<{ entries: number; distinct: number }> {
  const redis = new Redis(url);
  try {
    const ids = new Set<string>();
    let entries = 0;
    let from = '-';
    for (;;) {
      const page = await redis.xrange(stream, from, '+', 'COUNT', 5_000);
      for (const [, fields] of page) {
        entries++;
        ids.add(fields[fields.indexOf('id') + 1]!);
      }
      if (page.length < 5_000) break;
      from = `(${page.at(-1)![0]}`;
    }
    return { entries, distinct: ids.size };
  } finally {
    redis.disconnect();
  }
}

/** Deletes a test's Redis stream and its de-duplication markers. */
export async function dropRedisStream(url: string, stream: string): Promise<void> {
  const redis = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${stream}:dedupe:*`, 'COUNT', 5_000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    await redis.del(stream);
  } finally {
    redis.disconnect();
  }
}

/** Messages in a JetStream stream, and distinct record ids among them (read with an ephemeral consumer). */
export async function jetStreamCounts(url: string, stream: string, readIds = false): Promise<{ messages: number; distinct: number }> {
  const nc = await connect({ servers: url });
  try {
    const jsm = await nc.jetstreamManager();
    let messages: number;
    try {
      messages = (await jsm.streams.info(stream)).state.messages;
    } catch {
      return { messages: 0, distinct: 0 };
    }
    if (!readIds) return { messages, distinct: -1 };
    const ids = new Set<string>();
    const consumer = await jsm.consumers.add(stream, { ack_policy: AckPolicy.None, deliver_policy: DeliverPolicy.All, inactive_threshold: 60_000_000_000 });
    const reader = await nc.jetstream().consumers.get(stream, consumer.name);
    let read = 0;
    while (read < messages) {
      const batch = await reader.fetch({ max_messages: 1_000, expires: 2_000 });
      let got = 0;
      for await (const message of batch) {
        ids.add(message.headers?.get('Nats-Msg-Id') ?? '');
        got++;
      }
      read += got;
      if (got === 0) break;
    }
    await jsm.consumers.delete(stream, consumer.name);
    return { messages, distinct: ids.size };
  } finally {
    await nc.close();
  }
}

/** Deletes a test's JetStream stream. */
export async function dropJetStream(url: string, stream: string): Promise<void> {
  const nc = await connect({ servers: url });
  try {
    await (await nc.jetstreamManager()).streams.delete(stream).catch(() => undefined);
  } finally {
    await nc.close();
  }
}

/** Every JSON line of the jsonl files with `prefix` in `dir`. */
export async function jsonlDocuments(dir: string, prefix: string): Promise<Record<string, unknown>[]> {
  const files = (await readdir(dir).catch(() => [] as string[])).filter((file) => file.startsWith(`${prefix}-`)).sort();
  const texts = await Promise.all(files.map((file) => readFile(join(dir, file), 'utf8')));
  return texts.flatMap((text) => text.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Record<string, unknown>));
}

/** Rows of a query against a test's Postgres database. */
export async function postgresQuery<Row extends Record<string, unknown>>(url: string, sql: string): Promise<Row[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<Row>(sql)).rows;
  } finally {
    await client.end();
  }
}
