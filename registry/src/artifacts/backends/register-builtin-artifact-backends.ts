/** Registers the artifact stores infermesh ships with, by `registry.artifacts.store.type`. */
import type { ArtifactStoreConfig, BackendRegistry } from '@infermesh/common';
import type { ArtifactBackend } from './ArtifactBackend.js';
import { LocalArtifactBackend } from './LocalArtifactBackend.js';
import { S3ArtifactBackend } from './S3ArtifactBackend.js';

/** The artifact stores, by type; each gets the registry's data folder. */
export type ArtifactBackends = BackendRegistry<ArtifactStoreConfig, [registryDir: string], ArtifactBackend>;

/** Registers `local` (the registry's data folder, the default) and `s3` (an S3-compatible bucket). */
export function registerBuiltinArtifactBackends(backends: ArtifactBackends): void {
  backends.register('local', (_config, registryDir) => new LocalArtifactBackend(registryDir));
  backends.register('s3', (config) => new S3ArtifactBackend(config));
}
