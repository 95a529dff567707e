/**
 * The mesh config's `sink:` section (common passes it through unvalidated): validated here,
 * with defaults, and paths resolved against the data folder. Errors name the key as `sink.<key>`.
 */
import path from 'node:path';
import { ConfigError, type EnvironmentOverrides, type MeshConfig } from '@infermesh/common';
import { z } from 'zod';
import { destinationSchema, type DestinationConfig } from './destinations/destination-config.js';
import { sourceSchema, type SourceConfig } from './sources/source-config.js';

const KiB = 1024;
const MiB = 1024 * KiB;

const port = z.number().int().min(0).max(65_535);
const address = z.string().regex(/^[^\s:]+:\d{1,5}$/, 'expected host:port');

const spoolSchema = z
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

/**
 * Keys the gateway's publisher reads (gateway/src/sink); validated here too so that a bad
 * value stops the sink with the key's name even when the gateway is started elsewhere.
 */
const publisherSchema = z
  .object({
    /** Where gateways send records; default `<host>:<port>` of this section. */
    address: address.optional(),
    maxBufferedRecords: z.number().int().min(1).max(10_000_000).default(10_000),
    maxBufferedBytes: z.number().int().min(64 * KiB).max(2 ** 34).default(64 * MiB),
    /** Fail predict calls (UNAVAILABLE) rather than drop records when the buffer is full. */
    mustNotLose: z.boolean().default(false),
    /** Models whose inputs go into their records; `*` is every model. */
    captureInputs: z.array(z.string().regex(/^(\*|[^\s]{1,256})$/, "expected a model name or '*'")).max(1000).default([]),
    /** Caller metadata headers copied into records (lowercase); '*' for every header but transport and credentials. */
    headers: z.array(z.string().regex(/^(\*|[a-z0-9][a-z0-9_.-]*)$/, "expected a lowercase header name or '*'")).max(100).default([]),
    /** Raw tensor bytes (outputs + captured inputs) above which a record goes without its tensors. */
    maxTensorBytes: z.number().int().min(1 * KiB).max(64 * MiB).default(1 * MiB),
  })
  .strict();

const sinkSchema = z
  .object({
    host: z.string().min(1).default('127.0.0.1'),
    port: port.default(8201),
    /** Prometheus `/metrics`; null serves none. */
    metricsPort: port.nullable().default(8202),
    /** Gateway the sources call; default `gateway.host:gateway.port`. */
    gateway: address.optional(),
    /** Largest record accepted from a gateway (its JSON form); tensors of a bigger one are left out. */
    maxRecordBytes: z.number().int().min(1 * KiB).max(64 * MiB).default(1 * MiB),
    spool: spoolSchema.prefault({}),
    publisher: publisherSchema.prefault({}),
    /** Default: one jsonl destination `predictions` under `<dataDir>/predictions`. */
    destinations: z.array(destinationSchema).max(64).optional(),
    sources: z.array(sourceSchema).max(64).default([]),
  })
  .strict();

/** The validated sink section, paths resolved, defaults filled. */
export interface SinkConfig extends Omit<z.infer<typeof sinkSchema>, 'spool' | 'destinations' | 'gateway'> {
  spool: z.infer<typeof spoolSchema> & { dir: string };
  destinations: DestinationConfig[];
  sources: SourceConfig[];
  /** Gateway address the sources call. */
  gateway: string;
  /** Largest gRPC message, both directions (the mesh's limits.maxMessageBytes). */
  maxMessageBytes: number;
  /** The mesh's data folder, absolute. */
  dataDir: string;
  logLevel: string;
}

/** Settings of the gateway's publisher, as validated in `sink.publisher`. */
export type PublisherConfig = z.infer<typeof publisherSchema>;

/** Name of the destination the sink adds when sources exist and no destination takes dead letters. */
export const SOURCE_DEAD_LETTERS = 'source-dead-letters';

function uniqueNames(items: readonly { name: string }[], key: string): void {
  const seen = new Set<string>();
  items.forEach((item, index) => {
    if (seen.has(item.name)) throw new ConfigError(`sink.${key}.${index}.name: duplicate name '${item.name}'`);
    seen.add(item.name);
  });
}

/**
 * Validates `mesh.sink` (absent means every default). `INFERMESH_SINK_PORT` overrides
 * `sink.port`. Throws a ConfigError naming the key at fault.
 */
export function parseSinkConfig(mesh: MeshConfig, overrides: Pick<EnvironmentOverrides, 'sinkPort'> = {}): SinkConfig {
  const raw = { ...(mesh.sink ?? {}) };
  if (overrides.sinkPort !== undefined) raw.port = overrides.sinkPort;
  const parsed = sinkSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${['sink', ...issue.path].join('.')}: ${issue.message}`);
    throw new ConfigError(problems.join('; '));
  }
  const section = parsed.data;
  const dataDir = path.resolve(mesh.dataDir);
  const resolve = (dir: string | undefined, fallback: string) => path.resolve(dataDir, dir ?? fallback);
  const destinations: DestinationConfig[] = (
    section.destinations ?? [destinationSchema.parse({ name: 'predictions', type: 'jsonl' })]
  ).map((destination) =>
    destination.type === 'jsonl'
      ? { ...destination, dir: resolve(destination.dir, 'predictions'), prefix: destination.prefix ?? destination.name }
      : destination,
  );
  if (section.sources.length > 0 && !destinations.some((d) => d.filter.kinds.includes('dead-letter'))) {
    // Source dead letters always land somewhere durable, even when no destination asks for them.
    destinations.push({
      ...destinationSchema.parse({ name: SOURCE_DEAD_LETTERS, type: 'jsonl', filter: { kinds: ['dead-letter'] } }),
      dir: resolve(undefined, path.join('sink', 'dead-letters')),
      prefix: SOURCE_DEAD_LETTERS,
    } as DestinationConfig);
  }
  uniqueNames(destinations, 'destinations');
  uniqueNames(section.sources, 'sources');
  return {
    ...section,
    spool: { ...section.spool, dir: resolve(section.spool.dir, path.join('sink', 'spool')) },
    destinations,
    sources: section.sources,
    gateway: section.gateway ?? `${mesh.gateway.host}:${mesh.gateway.port}`,
    maxMessageBytes: mesh.limits.maxMessageBytes,
    dataDir,
    logLevel: mesh.log.level,
  };
}
