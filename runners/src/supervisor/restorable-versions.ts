/** Which versions a runner holds that it would not load again by itself after a restart. */
import path from 'node:path';
import { MODEL_FILE } from '@infermesh/common';
import type { StatusResponse__Output } from '@infermesh/proto';

/** A version LoadModel brought in, as the supervisor remembers it. */
export interface RestorableVersion {
  name: string;
  version: string;
  artifactPath: string;
  /** The artifact's sha256 when LoadModel named it by hash (it is in the artifact cache); else empty. */
  artifactSha256: string;
}

/**
 * The READY versions of a Status that came from LoadModel: every one whose artifact is not
 * its own `<repository>/<name>/<version>/model.onnx`, the file a restarted runner loads at
 * start. (A LoadModel of another path inside the repository folder counts as LoadModel's.)
 */
export function restorableVersions(status: StatusResponse__Output, modelRepository: string): RestorableVersion[] {
  const root = path.resolve(modelRepository);
  return status.models
    .filter((model) => model.state === 'READY' && model.artifact_path !== '')
    .filter((model) => path.resolve(model.artifact_path) !== path.join(root, model.name, model.version, MODEL_FILE))
    .map((model) => ({ name: model.name, version: model.version, artifactPath: model.artifact_path, artifactSha256: model.artifact_sha256 }));
}
