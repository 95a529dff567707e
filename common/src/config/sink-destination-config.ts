/** Schemas of the `sink.destinations[]` entries: what every destination shares, then each type's keys. */
import { z } from 'zod';

const KiB = 1024;
const MiB = 1024 * KiB;

/** gRPC status code names, for status filters. */
export const STATUS_NAMES = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
] as const;

/** What a spooled entry is: a gateway's prediction record, or a source message that could not be used. */
export const ENTRY_KINDS = ['prediction', 'dead-letter'] as const;

const name = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'expected 1-63 lowercase letters, digits, _ and -');

const filterSchema = z
  .object({
    /** Model names to deliver; empty delivers every model. */
    models: z.array(z.string().min(1).max(256)).max(1000).default([]),
    /** `ok`, `error`, `all`, or a list of status code names. */
    status: z.union([z.enum(['all', 'ok', 'error']), z.array(z.enum(STATUS_NAMES)).min(1)]).default('all'),
    /** Which entries: prediction records (default) and/or source dead letters. */
    kinds: z.array(z.enum(ENTRY_KINDS)).min(1).default(['prediction']),
  })
  .strict();

const batchSchema = z
  .object({
    /** A batch leaves once it holds this many records… */
    maxRecords: z.number().int().min(1).max(10_000).default(500),
    /** …or this many bytes of records… */
    maxBytes: z.number().int().min(KiB).max(256 * MiB).default(4 * MiB),
    /** …or once its first record has waited this long. */
    maxDelayMs: z.number().int().min(0).max(60_000).default(200),
  })
  .strict();

const retrySchema = z
  .object({
    /** Attempts of one batch before it goes to the dead-letter file; 0: as many as `outageWindowMs` allows. */
    maxAttempts: z.number().int().min(0).max(1_000_000).default(0),
    /**
     * How long a destination may keep failing (retryably) before its batch is dead-lettered;
     * the spool holds the records meanwhile (and refuses new ones once full).
     */
    outageWindowMs: z.number().int().min(1_000).max(30 * 86_400_000).default(86_400_000),
    /** First retry delay; it doubles per attempt, with jitter, up to maxDelayMs. */
    initialDelayMs: z.number().int().min(1).max(600_000).default(200),
    maxDelayMs: z.number().int().min(1).max(3_600_000).default(30_000),
  })
  .strict();

/** Keys every destination has. */
const common = {
  name,
  filter: filterSchema.prefault({}),
  batch: batchSchema.prefault({}),
  retry: retrySchema.prefault({}),
};

const jsonlSchema = z
  .object({
    ...common,
    type: z.literal('jsonl'),
    /** Folder of the files; default `<dataDir>/predictions`; a relative path resolves against the data folder. */
    dir: z.string().min(1).optional(),
    /** File name prefix; default the destination's name. */
    prefix: name.optional(),
    /** A file is closed and the next one started once it reaches this size. */
    maxFileBytes: z.number().int().min(4 * KiB).max(64 * 1024 * MiB).default(64 * MiB),
  })
  .strict();

const httpSchema = z
  .object({
    ...common,
    type: z.literal('http'),
    url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }),
    /** Extra request headers (e.g. authorization). */
    headers: z.record(z.string().min(1).max(256), z.string().max(8 * KiB)).default({}),
    /** One POST, connection included. */
    timeoutMs: z.number().int().min(1).max(600_000).default(10_000),
    /** The CloudEvents `source` attribute. */
    source: z.string().min(1).max(1024).default('urn:infermesh:sink'),
  })
  .strict();

const identifier = z.string().regex(/^([A-Za-z_][A-Za-z0-9_]{0,62}\.)?[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'expected a table name, optionally schema-qualified (letters, digits, _)');

const postgresSchema = z
  .object({
    ...common,
    type: z.literal('postgres'),
    /** postgres://user:password@host:port/database */
    url: z.string().regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL'),
    /** Created if missing. */
    table: identifier.default('infermesh_predictions'),
    /** Connect and statement timeout. */
    timeoutMs: z.number().int().min(1).max(600_000).default(10_000),
  })
  .strict();

const redisSchema = z
  .object({
    ...common,
    type: z.literal('redis'),
    url: z.string().regex(/^rediss?:\/\//, 'expected a redis:// URL'),
    stream: z.string().min(1).max(512).default('infermesh:predictions'),
    /** XADD trims the stream to about this many entries. */
    maxLen: z.number().int().min(1).max(2 ** 40).default(1_000_000),
    /** How long a record id is remembered for de-duplication. */
    dedupeTtlSeconds: z.number().int().min(1).max(30 * 86_400).default(86_400),
    timeoutMs: z.number().int().min(1).max(600_000).default(10_000),
  })
  .strict();

const natsSchema = z
  .object({
    ...common,
    type: z.literal('nats'),
    servers: z.array(z.string().min(1)).min(1).default(['nats://127.0.0.1:4222']),
    subject: z.string().regex(/^[^\s*>]+$/, 'expected a NATS subject without wildcards').default('infermesh.predictions'),
    /** JetStream stream, created with the subject if missing. */
    stream: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected letters, digits, _ and -').default('INFERMESH_PREDICTIONS'),
    /** JetStream drops a message whose id it has seen within this window (set when the stream is created). */
    duplicateWindowMs: z.number().int().min(1_000).max(86_400_000).default(120_000),
    timeoutMs: z.number().int().min(1).max(600_000).default(10_000),
  })
  .strict();

/** One `sink.destinations[]` entry. */
export const destinationSchema = z.discriminatedUnion(
  'type',
  [jsonlSchema, httpSchema, postgresSchema, redisSchema, natsSchema],
  { error: "expected type 'jsonl', 'http', 'postgres', 'redis' or 'nats'" },
);

/** A validated destination entry. */
export type DestinationConfig = z.infer<typeof destinationSchema>;
/** Per destination: which entries it takes. */
export type FilterConfig = z.infer<typeof filterSchema>;
/** Per destination: batch size and time. */
export type BatchConfig = z.infer<typeof batchSchema>;
/** Per destination: retry policy. */
export type RetryConfig = z.infer<typeof retrySchema>;
/** A `jsonl` destination entry. */
export type JsonlConfig = z.infer<typeof jsonlSchema>;
/** An `http` (webhook) destination entry. */
export type HttpConfig = z.infer<typeof httpSchema>;
/** A `postgres` destination entry. */
export type PostgresConfig = z.infer<typeof postgresSchema>;
/** A `redis` stream destination entry. */
export type RedisConfig = z.infer<typeof redisSchema>;
/** A `nats` JetStream destination entry. */
export type NatsConfig = z.infer<typeof natsSchema>;
