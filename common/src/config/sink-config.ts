/** The mesh config's `sink:` section: where the sink listens, its spool, destinations and sources. */
import { z } from 'zod';
import { HOST_PORT_RULE } from './name-rules.js';
import { destinationSchema } from './sink-destination-config.js';
import { SINK_DEFAULT_HOST, SINK_DEFAULT_PORT, sinkPublisherSchema } from './sink-publisher-config.js';
import { sourceSchema } from './sink-source-config.js';

const KiB = 1024;
const MiB = 1024 * KiB;

const port = z.number().int().min(0).max(65_535);

/** The `sink.spool` keys, with defaults. */
export const spoolSchema = z
  .object({
    /** Default `<dataDir>/sink/spool`; a relative path resolves against the data folder. */
    dir: z.string().min(1).optional(),
    /** A segment file is closed and the next one started at this size. */
    segmentBytes: z.number().int().min(64 * KiB).max(1024 * MiB).default(16 * MiB),
    /** Spool size at which new records are refused until destinations catch up. */
    maxBytes: z.number().int().min(1 * MiB).max(2 ** 50).default(1024 * MiB),
    /** Most bytes written per fsync. */
    maxGroupBytes: z.number().int().min(4 * KiB).max(64 * MiB).default(1 * MiB),
  })
  .strict();

/** The `sink.deadLetters` keys: each destination's dead-letter files, rotated and bounded. */
export const deadLetterSchema = z
  .object({
    /** The current file is set aside and a new one started at this size. */
    maxFileBytes: z.number().int().min(4 * KiB).max(1024 * MiB).default(64 * MiB),
    /** All of a destination's dead-letter files together; beyond it nothing is dead-lettered and the batch is retried. */
    maxBytes: z.number().int().min(4 * KiB).max(2 ** 50).default(1024 * MiB),
  })
  .strict();

/** The `sink:` keys, with defaults. */
export const sinkSchema = z
  .object({
    host: z.string().min(1).default(SINK_DEFAULT_HOST),
    port: port.default(SINK_DEFAULT_PORT),
    /** Prometheus `/metrics`; null serves none. */
    metricsPort: port.nullable().default(8202),
    /** Gateway the sources call; default `gateway.host:gateway.port`. */
    gateway: z.string().regex(HOST_PORT_RULE, 'expected host:port').optional(),
    /** Largest record accepted from a gateway (its JSON form); tensors of a bigger one are left out. */
    maxRecordBytes: z.number().int().min(1 * KiB).max(64 * MiB).default(1 * MiB),
    spool: spoolSchema.prefault({}),
    deadLetters: deadLetterSchema.prefault({}),
    /** Read by the gateways' publishers; validated with the rest, so a bad value stops the sink too. */
    publisher: sinkPublisherSchema.prefault({}),
    /** Default: one jsonl destination `predictions` under `<dataDir>/predictions`. */
    destinations: z.array(destinationSchema).max(64).optional(),
    sources: z.array(sourceSchema).max(64).default([]),
  })
  .strict();

/** The `sink:` section as validated, before paths and defaults that depend on the mesh are filled. */
export type SinkEntry = z.infer<typeof sinkSchema>;
