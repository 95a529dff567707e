/** The sink's settings from its validated section: paths resolved against the data folder, default destinations added. */
import path from 'node:path';
import { ConfigError } from './ConfigError.js';
import type { DiscoverySettings } from './discovery-config.js';
import { resolveDestination, type ResolvedDestinationConfig } from './resolve-destination.js';
import type { RequestLimits } from './limits-config.js';
import type { SinkEntry } from './sink-config.js';
import { destinationSchema } from './sink-destination-config.js';
import type { SourceConfig } from './sink-source-config.js';
import type { TlsConfig } from './tls-config.js';

/** Name of the destination the sink adds when sources exist and no destination takes dead letters. */
export const SOURCE_DEAD_LETTERS = 'source-dead-letters';

/** Everything `createSink` takes: the sink section, paths resolved, defaults filled. */
export interface SinkConfig extends Omit<SinkEntry, 'spool' | 'destinations' | 'gateway'> {
  spool: SinkEntry['spool'] & { dir: string };
  destinations: ResolvedDestinationConfig[];
  sources: SourceConfig[];
  /** Gateway address the sources call. */
  gateway: string;
  /** Largest gRPC message, both directions (the mesh's limits.maxMessageBytes). */
  maxMessageBytes: number;
  /** Streams per client connection (the mesh's limits.maxConcurrentStreams); default 1000. */
  maxConcurrentStreams?: number;
  /** What a captured request is held to before its inputs are decoded (the mesh's limits); default DEFAULT_REQUEST_LIMITS. */
  requestLimits?: RequestLimits;
  /** The mesh's data folder, absolute. */
  dataDir: string;
  logLevel: string;
  /** The mesh's `tls`, paths absolute: the sink's listener, metrics and its client to the gateway. */
  tls?: TlsConfig;
  /** INFERMESH_TOKEN, which the sources send to the gateway. */
  token?: string;
  /** `discovery:`; absent: `registry`. With `consul` the sink registers itself in Consul. */
  discovery?: DiscoverySettings;
}

/** What the sink's settings take from the rest of the mesh config. */
export interface SinkContext {
  /** Absolute. */
  dataDir: string;
  /** `gateway.host:gateway.port`, for sources when `sink.gateway` is not set. */
  gateway: string;
  maxMessageBytes: number;
  maxConcurrentStreams?: number;
  requestLimits?: RequestLimits;
  logLevel: string;
  /** Names the config in messages. */
  source: string;
}

function uniqueNames(items: readonly { name: string }[], key: string, source: string): void {
  const seen = new Set<string>();
  items.forEach((item, index) => {
    if (seen.has(item.name)) throw new ConfigError(`config ${source}: sink.${key}.${index}.name: duplicate name '${item.name}'`);
    seen.add(item.name);
  });
}

/** Resolves a validated `sink:` section; a duplicate destination or source name throws a ConfigError naming it. */
export function resolveSinkConfig(section: SinkEntry, context: SinkContext): SinkConfig {
  const { dataDir } = context;
  const destinations = (section.destinations ?? [destinationSchema.parse({ name: 'predictions', type: 'jsonl' })]).map((destination) =>
    resolveDestination(destination, dataDir),
  );
  if (section.sources.length > 0 && !destinations.some((d) => d.filter.kinds.includes('dead-letter'))) {
    // Source dead letters always land somewhere durable, even when no destination asks for them.
    const deadLetters = { name: SOURCE_DEAD_LETTERS, type: 'jsonl', dir: path.join('sink', 'dead-letters'), filter: { kinds: ['dead-letter'] } };
    destinations.push(resolveDestination(destinationSchema.parse(deadLetters), dataDir));
  }
  uniqueNames(destinations, 'destinations', context.source);
  uniqueNames(section.sources, 'sources', context.source);
  return {
    ...section,
    spool: { ...section.spool, dir: path.resolve(dataDir, section.spool.dir ?? path.join('sink', 'spool')) },
    destinations,
    sources: section.sources,
    gateway: section.gateway ?? context.gateway,
    maxMessageBytes: context.maxMessageBytes,
    maxConcurrentStreams: context.maxConcurrentStreams,
    requestLimits: context.requestLimits,
    dataDir,
    logLevel: context.logLevel,
  };
}
