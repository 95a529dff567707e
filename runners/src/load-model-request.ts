/** Checks LoadModel and UnloadModel requests; each error names the field at fault. */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { MODEL_NAME_RULE, MODEL_VERSION_RULE, ServiceError } from '@infermesh/common';
import type { LoadModelRequest__Output, UnloadModelRequest__Output } from '@infermesh/proto';

/** Largest config_yaml accepted, the same limit as a config.yaml file in a repository. */
export const MAX_CONFIG_YAML_BYTES = 64 * 1024;

/** The artifact of a LoadModel by hash: loaded from the runner's artifact cache. */
export interface ArtifactRef {
  sha256: string;
  sizeBytes: number;
}

/** A LoadModel request that passed validation. */
export interface LoadOrder {
  name: string;
  version: string;
  /** Absolute path of an existing file; with `artifact`, where the registry keeps it (for the log only). */
  artifactPath: string;
  /** Set when LoadModel named the artifact by sha256: it comes from the artifact cache. */
  artifact?: ArtifactRef;
  /** Empty for the defaults. */
  configYaml: string;
}

/** INVALID_ARGUMENT unless `name` and `version` could name a version in a model repository. */
export function checkModelKey(request: { name: string; version: string }): void {
  if (!MODEL_NAME_RULE.test(request.name)) {
    throw ServiceError.invalidArgument(
      `name: expected a model name (letters, digits, _ . -; at most 128 characters), got '${request.name}'`,
    );
  }
  if (!MODEL_VERSION_RULE.test(request.version)) {
    throw ServiceError.invalidArgument(`version: expected a positive integer, got '${request.version}'`);
  }
}

const SHA256 = /^[0-9a-f]{64}$/;

/** The artifact_sha256 and artifact_size_bytes of a LoadModel by hash. */
function artifactRef(request: LoadModelRequest__Output): ArtifactRef {
  if (!SHA256.test(request.artifact_sha256)) {
    throw ServiceError.invalidArgument(`artifact_sha256: expected 64 lowercase hex digits, got '${request.artifact_sha256.slice(0, 80)}'`);
  }
  const sizeBytes = Number(request.artifact_size_bytes);
  if (!Number.isSafeInteger(sizeBytes) || sizeBytes <= 0) {
    throw ServiceError.invalidArgument(`artifact_size_bytes: expected the artifact's size in bytes with artifact_sha256, got '${request.artifact_size_bytes}'`);
  }
  return { sha256: request.artifact_sha256, sizeBytes };
}

/**
 * Validates a LoadModel request. With artifact_sha256 the artifact comes from the runner's
 * artifact cache (artifact_path is the registry's, not looked at). Otherwise a relative
 * artifact_path resolves against the runner's working directory; the order carries the
 * absolute path, which Status then reports.
 */
export async function checkLoadModelRequest(request: LoadModelRequest__Output, cwd = process.cwd()): Promise<LoadOrder> {
  checkModelKey(request);
  const configBytes = Buffer.byteLength(request.config_yaml, 'utf8');
  if (configBytes > MAX_CONFIG_YAML_BYTES) {
    throw ServiceError.invalidArgument(`config_yaml: ${configBytes} bytes is over the limit of ${MAX_CONFIG_YAML_BYTES}`);
  }
  if (request.artifact_sha256 !== '') {
    const artifactPath = request.artifact_path.slice(0, 4096);
    return { name: request.name, version: request.version, artifactPath, artifact: artifactRef(request), configYaml: request.config_yaml };
  }
  if (request.artifact_path === '') throw ServiceError.invalidArgument('artifact_path: required (path of an .onnx file)');
  const artifactPath = path.resolve(cwd, request.artifact_path);
  const found = await stat(artifactPath).catch(() => undefined);
  if (!found) throw ServiceError.invalidArgument(`artifact_path: no file at '${artifactPath}' on the runner's machine`);
  if (!found.isFile()) throw ServiceError.invalidArgument(`artifact_path: '${artifactPath}' is not a file`);
  return { name: request.name, version: request.version, artifactPath, configYaml: request.config_yaml };
}

/** Validates an UnloadModel request. */
export function checkUnloadModelRequest(request: UnloadModelRequest__Output): { name: string; version: string } {
  checkModelKey(request);
  return { name: request.name, version: request.version };
}
