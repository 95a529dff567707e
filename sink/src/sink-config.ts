/**
 * The mesh config's `sink:` section (common passes it through unvalidated): validated here,
 * with defaults, and paths resolved against the data folder. Errors name the key as `sink.<key>`.
 */
import path from 'node:path';
import {
  ConfigError,
  SINK_DEFAULT_HOST,
  SINK_DEFAULT_PORT,
  sinkPublisherSchema,
  type EnvironmentOverrides,
  type MeshConfig,
  type SinkPublisherConfig,
} from '@infermesh/common';
import { z } from 'zod';
import { destinationSchema } from './destinations/destination-config.js';
import { resolveDestination, type ResolvedDestinationConfig } from './destinations/resolve-destination.js';
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

const sinkSchema = z
  .object({
    host: z.string().min(1).default(SINK_DEFAULT_HOST),
    port: port.default(SINK_DEFAULT_PORT),
    /** Prometheus `/metrics`; null serves none. */
    metricsPort: port.nullable().default(8202),
    /** Gateway the sources call; default `gateway.host:gateway.port`. */
    gateway: address.optional(),
    /** Largest record accepted from a gateway (its JSON form); tensors of a bigger one are left out. */
    maxRecordBytes: z.number().int().min(1 * KiB).max(64 * MiB).default(1 * MiB),
    spool: spoolSchema.prefault({}),
    /** Read by the gateways' publishers; validated here too, so a bad value stops the sink with the key's name. */
    publisher: sinkPublisherSchema.prefault({}),
    /** Default: one jsonl destination `predictions` under `<dataDir>/predictions`. */
    destinations: z.array(destinationSchema).max(64).optional(),
    sources: z.array(sourceSchema).max(64).default([]),
  })
  .strict();

/** The validated sink section, paths resolved, defaults filled. */
export interface SinkConfig extends Omit<z.infer<typeof sinkSchema>, 'spool' | 'destinations' | 'gateway'> {
  spool: z.infer<typeof spoolSchema> & { dir: string };
  destinations: ResolvedDestinationConfig[];
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
export type PublisherConfig = SinkPublisherConfig;

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
  const destinations = (section.destinations ?? [destinationSchema.parse({ name: 'predictions', type: 'jsonl' })]).map((destination) =>
    resolveDestination(destination, dataDir),
  );
  if (section.sources.length > 0 && !destinations.some((d) => d.filter.kinds.includes('dead-letter'))) {
    // Source dead letters always land somewhere durable, even when no destination asks for them.
    const deadLetters = { name: SOURCE_DEAD_LETTERS, type: 'jsonl', dir: path.join('sink', 'dead-letters'), filter: { kinds: ['dead-letter'] } };
    destinations.push(resolveDestination(destinationSchema.parse(deadLetters), dataDir));
  }
  uniqueNames(destinations, 'destinations');
  uniqueNames(section.sources, 'sources');
  return {
    ...section,
    spool: { ...section.spool, dir: path.resolve(dataDir, section.spool.dir ?? path.join('sink', 'spool')) },
    destinations,
    sources: section.sources,
    gateway: section.gateway ?? `${mesh.gateway.host}:${mesh.gateway.port}`,
    maxMessageBytes: mesh.limits.maxMessageBytes,
    dataDir,
    logLevel: mesh.log.level,
  };
}
