/** Checks LoadModel and UnloadModel requests; each error names the field at fault. */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { MODEL_NAME_RULE, MODEL_VERSION_RULE, ServiceError } from '@infermesh/common';
import type { LoadModelRequest__Output, UnloadModelRequest__Output } from '@infermesh/proto';

/** Largest config_yaml accepted, the same limit as a config.yaml file in a repository. */
export const MAX_CONFIG_YAML_BYTES = 64 * 1024;

/** A LoadModel request that passed validation. */
export interface LoadOrder {
  name: string;
  version: string;
  /** Absolute path of an existing file. */
  artifactPath: string;
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

/**
 * Validates a LoadModel request. A relative artifact_path resolves against the runner's
 * working directory; the order carries the absolute path, which Status then reports.
 */
export async function checkLoadModelRequest(request: LoadModelRequest__Output, cwd = process.cwd()): Promise<LoadOrder> {
  checkModelKey(request);
  if (request.artifact_path === '') throw ServiceError.invalidArgument('artifact_path: required (path of an .onnx file)');
  const artifactPath = path.resolve(cwd, request.artifact_path);
  const found = await stat(artifactPath).catch(() => undefined);
  if (!found) throw ServiceError.invalidArgument(`artifact_path: no file at '${artifactPath}' on the runner's machine`);
  if (!found.isFile()) throw ServiceError.invalidArgument(`artifact_path: '${artifactPath}' is not a file`);
  const configBytes = Buffer.byteLength(request.config_yaml, 'utf8');
  if (configBytes > MAX_CONFIG_YAML_BYTES) {
    throw ServiceError.invalidArgument(`config_yaml: ${configBytes} bytes is over the limit of ${MAX_CONFIG_YAML_BYTES}`);
  }
  return { name: request.name, version: request.version, artifactPath, configYaml: request.config_yaml };
}

/** Validates an UnloadModel request. */
export function checkUnloadModelRequest(request: UnloadModelRequest__Output): { name: string; version: string } {
  checkModelKey(request);
  return { name: request.name, version: request.version };
}
