/** Sink destination entries made ready to build: what depends on the data folder filled in once. */
import path from 'node:path';
import type { DestinationConfig, JsonlConfig } from './sink-destination-config.js';

/** A jsonl entry whose folder (absolute) and file prefix are settled. */
export type ResolvedJsonlConfig = JsonlConfig & { dir: string; prefix: string };

/** A destination entry ready to build: like DestinationConfig, with jsonl's `dir` and `prefix` required. */
export type ResolvedDestinationConfig = Exclude<DestinationConfig, JsonlConfig> | ResolvedJsonlConfig;

/**
 * Resolves one validated entry against the mesh's data folder: a jsonl `dir` defaults to
 * `<dataDir>/predictions` and a relative one resolves against `dataDir`; `prefix` defaults
 * to the destination's name. Other types have nothing to resolve.
 */
export function resolveDestination(config: DestinationConfig, dataDir: string): ResolvedDestinationConfig {
  if (config.type !== 'jsonl') return config;
  return { ...config, dir: path.resolve(dataDir, config.dir ?? 'predictions'), prefix: config.prefix ?? config.name };
}
