/**
 * The prediction records a destination holds, as JSON lines in a fixed order, for
 * `infermesh replay`: a jsonl destination's files oldest first, line by line; a postgres
 * destination's rows of one model by time then record id. Other destinations keep nothing
 * the sink can read back.
 */
import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import type { ResolvedDestinationConfig, SinkConfig } from '@infermesh/common';

/** Which records a postgres destination returns (a jsonl destination returns every line; the reader filters). */
export interface RecordQuery {
  model: string;
  /** Records at or after this time (ms since the epoch); 0: all. */
  sinceMs: number;
}

/** Rows per postgres query: pages by (recorded_at, record_id), so the order holds across pages. */
const PAGE_ROWS = 500;

/** The destination `name` of `config`, or an error listing those there are. */
export function destinationNamed(config: SinkConfig, name: string): ResolvedDestinationConfig {
  const found = config.destinations.find((destination) => destination.name === name);
  if (!found) throw new Error(`no destination '${name}' in the sink's config (destinations: ${config.destinations.map((d) => d.name).join(', ') || 'none'})`);
  return found;
}

/** The destination's records as JSON lines, oldest first. */
export function exportRecords(destination: ResolvedDestinationConfig, query: RecordQuery): AsyncIterable<string> {
  if (destination.type === 'jsonl') return jsonlLines(destination.dir, destination.prefix);
  if (destination.type === 'postgres') return postgresLines(destination.url, destination.table, query);
  throw new Error(`destination '${destination.name}' is a ${destination.type} destination, which the sink cannot read back; replay from a jsonl or postgres destination, or a jsonl file`);
}

async function* jsonlLines(dir: string, prefix: string): AsyncIterable<string> {
  // File names carry a zero-padded sequence number: sorted by name is oldest first.
  const pattern = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-\\d{6}\\.jsonl$`);
  const files = (await readdir(dir)).filter((name) => pattern.test(name)).sort();
  for (const file of files) {
    const lines = createInterface({ input: createReadStream(path.join(dir, file), 'utf8'), crlfDelay: Infinity });
    for await (const line of lines) if (line.trim() !== '') yield line;
  }
}

async function* postgresLines(url: string, table: string, query: RecordQuery): AsyncIterable<string> {
  const client = new pg.Client({ connectionString: url, application_name: 'infermesh-replay' });
  await client.connect();
  const quoted = table.split('.').map((part) => pg.escapeIdentifier(part)).join('.');
  try {
    let after: { at: Date; id: string } | undefined;
    for (;;) {
      const { rows } = await client.query<{ recorded_at: Date; record_id: string; record: unknown }>(
        `SELECT recorded_at, record_id, record FROM ${quoted}
          WHERE kind = 'prediction' AND model_name = $1 AND recorded_at >= $2
            AND ($3::timestamptz IS NULL OR (recorded_at, record_id) > ($3, $4))
          ORDER BY recorded_at, record_id LIMIT ${PAGE_ROWS}`,
        [query.model, new Date(query.sinceMs), after?.at ?? null, after?.id ?? ''],
      );
      for (const row of rows) yield JSON.stringify(row.record);
      if (rows.length < PAGE_ROWS) return;
      const last = rows[rows.length - 1]!;
      after = { at: last.recorded_at, id: last.record_id };
    }
  } finally {
    await client.end();
  }
}
