/**
 * `runners[].artifactCache`: the runner's copies of artifacts it fetched from the registry,
 * by sha256, held to `maxBytes` by evicting the least recently used that no loaded version uses.
 */
import { z } from 'zod';

const GiB = 1024 ** 3;

/** Default `maxBytes`: room for a handful of large models. */
export const DEFAULT_ARTIFACT_CACHE_BYTES = 20 * GiB;

/** The keys of `runners[].artifactCache`, with defaults. */
export const artifactCacheSchema = z
  .object({
    /** The cache's folder, relative to dataDir; default `<dataDir>/runner-<name>/artifact-cache`. */
    dir: z.string().min(1).optional(),
    /** Bytes of artifacts kept; an artifact larger than what unpinned eviction can free is refused. */
    maxBytes: z.number().int().min(1024).max(Number.MAX_SAFE_INTEGER).default(DEFAULT_ARTIFACT_CACHE_BYTES),
  })
  .strict();

/** A runner's artifact cache, its folder absolute. */
export interface ArtifactCacheSettings {
  dir: string;
  maxBytes: number;
}
