/** Picks the artifact store `registry.artifacts.store` names, from those registered by name. */
import { BackendRegistry, type ArtifactStoreConfig } from '@infermesh/common';
import type { ArtifactBackend } from './ArtifactBackend.js';
import { registerBuiltinArtifactBackends, type ArtifactBackends } from './register-builtin-artifact-backends.js';

/** Artifact stores by name; `local` and `s3` are built in, others register here. */
export const artifactBackends: ArtifactBackends = new BackendRegistry('artifact store');
registerBuiltinArtifactBackends(artifactBackends);

/** The artifact store of `registry.artifacts.store`; `local` lives in `<registryDir>/artifacts`. */
export function createArtifactBackend(config: ArtifactStoreConfig, registryDir: string): ArtifactBackend {
  return artifactBackends.create(config, registryDir);
}
