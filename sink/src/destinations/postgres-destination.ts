/**
 * postgres destination: batched INSERT … ON CONFLICT (record_id) DO NOTHING into a table it
 * creates if missing, so a record delivered twice is stored once.
 */
import type { Logger, PostgresConfig } from '@infermesh/common';
import pg from 'pg';
import { DeliveryError } from '../delivery/DeliveryError.js';
import type { DeliveryItem, Destination } from './Destination.js';

/** SQLSTATE classes where the batch itself is at fault: data exceptions, integrity violations. */
const REFUSED_CLASSES = new Set(['22', '23']);
const UNDEFINED_TABLE = '42P01';

function quoteTable(table: string): string {
  return table.split('.').map((part) => pg.escapeIdentifier(part)).join('.');
}

export class PostgresDestination implements Destination {
  private readonly pool: pg.Pool;
  private readonly table: string;
  private tableReady: Promise<void> | undefined;

  constructor(
    private readonly config: PostgresConfig,
    logger: Logger,
  ) {
    this.table = quoteTable(config.table);
    this.pool = new pg.Pool({
      connectionString: config.url,
      max: 2,
      connectionTimeoutMillis: config.timeoutMs,
      query_timeout: config.timeoutMs,
      idleTimeoutMillis: 30_000,
      application_name: 'infermesh-sink',
    });
    // An idle connection that breaks must not crash the process; the next query reconnects.
    this.pool.on('error', (error) => logger.warn({ err: error, destination: config.name }, 'postgres connection lost'));
  }

  async deliver(items: readonly DeliveryItem[], _signal?: AbortSignal): Promise<void> {
    try {
      await (this.tableReady ??= this.createTable().catch((error: unknown) => {
        this.tableReady = undefined;
        throw error;
      }));
      await this.insert(items);
    } catch (error) {
      throw this.classify(error);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private async createTable(): Promise<void> {
    await this.pool.query(`CREATE TABLE IF NOT EXISTS ${this.table} (
      record_id text PRIMARY KEY,
      kind text NOT NULL,
      recorded_at timestamptz NOT NULL,
      model_name text NOT NULL,
      model_version text NOT NULL,
      status text NOT NULL,
      latency_ms double precision,
      request_id text NOT NULL,
      trace_id text NOT NULL,
      record jsonb NOT NULL
    )`);
  }

  private async insert(items: readonly DeliveryItem[]): Promise<void> {
    const columns: unknown[][] = [[], [], [], [], [], [], [], [], [], []];
    for (const { id, json, document } of items) {
      const prediction = document.kind === 'prediction' ? document : undefined;
      const row = [
        id,
        document.kind,
        document.time,
        prediction?.modelName ?? '',
        prediction?.modelVersion ?? '',
        prediction?.status ?? '',
        prediction?.latencyMs ?? null,
        prediction?.requestId ?? '',
        prediction?.traceId ?? '',
        json,
      ];
      row.forEach((value, column) => columns[column]!.push(value));
    }
    // One statement per batch whatever its size: arrays, not one placeholder per value.
    await this.pool.query(
      `INSERT INTO ${this.table} (record_id, kind, recorded_at, model_name, model_version, status, latency_ms, request_id, trace_id, record)
       SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::text[], $7::float8[], $8::text[], $9::text[], $10::jsonb[])
       ON CONFLICT (record_id) DO NOTHING`,
      columns,
    );
  }

  private classify(error: unknown): DeliveryError {
    const where = `postgres ${this.config.table}`;
    if (error instanceof pg.DatabaseError && error.code) {
      const sqlState = error.code;
      // Someone dropped the table: create it again on the next attempt.
      if (sqlState === UNDEFINED_TABLE) this.tableReady = undefined;
      const refused = REFUSED_CLASSES.has(sqlState.slice(0, 2));
      return new DeliveryError(`${where}: ${error.message} (SQLSTATE ${sqlState})`, !refused, { cause: error });
    }
    return new DeliveryError(`${where}: ${(error as Error).message}`, true, { cause: error });
  }
}
