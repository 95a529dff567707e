/**
 * The four destinations the sink's end-to-end runs check for exactly-once delivery: jsonl
 * `files`, Postgres `pg`, Redis `redis` and JetStream `nats`, each under names unique to
 * one run; with their cleanup and the checks that every record arrived once.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { LOCAL_SERVICES } from '@infermesh/testkit';
import { expect } from 'vitest';
import {
  dropJetStream,
  dropPostgresTable,
  dropRedisStream,
  jetStreamCounts,
  jsonlDocuments,
  postgresCounts,
  redisCounts,
} from './destination-readers.js';

/** One run's destinations on the local servers. */
export interface DedupingDestinations {
  table: string;
  stream: string;
  natsStream: string;
  /** `sink.destinations` entries, in the order files, pg, redis, nats. */
  entries: Record<string, unknown>[];
  /** Where the jsonl destination writes, for a mesh with this data folder. */
  filesDir(dataDir: string): string;
  /**
   * Expects each of `count` records (request ids `p-0`…) exactly once in Postgres, Redis and
   * JetStream, and in the jsonl files under one id each (lines may repeat); returns the jsonl documents.
   */
  expectExactlyOnce(count: number, dataDir: string): Promise<Record<string, unknown>[]>;
  /** Drops the table and streams (errors ignored: the run may have failed before making them). */
  drop(): Promise<void>;
}

/** Names the run's table and streams `<label>` plus a random suffix, so runs never share them. */
export function dedupingDestinations(label: string): DedupingDestinations {
  const suffix = randomBytes(5).toString('hex');
  const table = `sink_${label}_${suffix}`;
  const stream = `infermesh:${label}:${suffix}`;
  const natsStream = `SINK_${label.toUpperCase()}_${suffix}`;
  const filesDir = (dataDir: string) => join(dataDir, 'predictions');
  return {
    table,
    stream,
    natsStream,
    entries: [
      { name: 'files', type: 'jsonl' },
      { name: 'pg', type: 'postgres', url: LOCAL_SERVICES.postgres.url, table },
      { name: 'redis', type: 'redis', url: LOCAL_SERVICES.redis.url, stream },
      { name: 'nats', type: 'nats', servers: [LOCAL_SERVICES.nats.url], subject: `infermesh.${label}.${suffix}`, stream: natsStream },
    ],
    filesDir,
    async expectExactlyOnce(count, dataDir) {
      expect(await postgresCounts(LOCAL_SERVICES.postgres.url, table)).toEqual({ rows: count, distinct: count });
      expect(await redisCounts(LOCAL_SERVICES.redis.url, stream)).toEqual({ entries: count, distinct: count });
      expect(await jetStreamCounts(LOCAL_SERVICES.nats.url, natsStream, true)).toEqual({ messages: count, distinct: count });
      const documents = await jsonlDocuments(filesDir(dataDir), 'files');
      expect(new Set(documents.map((d) => d.id)).size).toBe(count);
      expect(new Set(documents.map((d) => d.requestId))).toEqual(new Set(Array.from({ length: count }, (_, i) => `p-${i}`)));
      return documents;
    },
    async drop() {
      await dropPostgresTable(LOCAL_SERVICES.postgres.url, table).catch(() => undefined);
      await dropRedisStream(LOCAL_SERVICES.redis.url, stream).catch(() => undefined);
      await dropJetStream(LOCAL_SERVICES.nats.url, natsStream).catch(() => undefined);
    },
  };
}
