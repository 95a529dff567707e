/** Reads, overrides and validates the mesh config; a bad config names the key at fault. */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { EnvironmentOverrides } from './env.js';
import { meshConfigSchema, type MeshConfig } from './mesh-config.js';

const MAX_CONFIG_BYTES = 1024 * 1024;

/** A config that cannot be used; the message names the file and the key. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Reads a YAML mesh config file (at most 1 MiB) into an unvalidated object. */
export function readConfigFile(file: string): unknown {
  let size: number;
  try {
    size = statSync(file).size;
  } catch (error) {
    throw new ConfigError(`config file ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  if (size > MAX_CONFIG_BYTES) throw new ConfigError(`config file ${file}: ${size} bytes is over the 1 MiB limit`);
  try {
    return parseYaml(readFileSync(file, 'utf8')) ?? {};
  } catch (error) {
    throw new ConfigError(`config file ${file}: not valid YAML: ${(error as Error).message}`);
  }
}

/**
 * Applies environment overrides to a raw config, validates it, and resolves paths:
 * `dataDir` against `cwd`, each runner's `modelRepository` defaulting to `<dataDir>/models`.
 */
export function resolveMeshConfig(
  raw: unknown,
  overrides: EnvironmentOverrides,
  source: string,
  cwd: string = process.cwd(),
): MeshConfig {
  const merged = structuredClone((raw ?? {}) as Record<string, unknown>);
  const section = (key: string) => ((merged[key] ??= {}) as Record<string, unknown>);
  if (overrides.dataDir) merged.dataDir = overrides.dataDir;
  if (overrides.logLevel) section('log').level = overrides.logLevel;
  if (overrides.gatewayPort !== undefined) section('gateway').port = overrides.gatewayPort;
  if (overrides.gatewayRunners) section('gateway').runners = overrides.gatewayRunners;
  if (overrides.runnerName && Array.isArray(merged.runners)) {
    const runner = (merged.runners as Record<string, unknown>[]).find((entry) => entry?.name === overrides.runnerName);
    if (runner && overrides.runnerPort !== undefined) runner.port = overrides.runnerPort;
    if (runner && overrides.runnerDevice) runner.device = overrides.runnerDevice;
  }

  const parsed = meshConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new ConfigError(`config ${source}: ${problems.join('; ')}`);
  }
  const config = parsed.data;
  config.dataDir = path.resolve(cwd, config.dataDir);
  for (const runner of config.runners) {
    runner.modelRepository = path.resolve(cwd, runner.modelRepository ?? path.join(config.dataDir, 'models'));
  }
  return config;
}

/** Loads the mesh config from a file plus environment overrides. */
export function loadMeshConfig(file: string, overrides: EnvironmentOverrides): MeshConfig {
  return resolveMeshConfig(readConfigFile(file), overrides, file);
}

/** The embedded mesh config, relative to the repository root. */
export const DEFAULT_CONFIG_FILE = 'deploy/local/infermesh.yaml';

/** The config file a service reads: INFERMESH_CONFIG, else the embedded one. */
export function configFileOf(overrides: EnvironmentOverrides): string {
  return overrides.configFile ?? DEFAULT_CONFIG_FILE;
}

/**
 * For a service's main: runs `read`; a bad config (ConfigError) is printed after `prefix`
 * and the process exits with status 2. Other errors propagate.
 */
export function orExitOnConfigError<T>(read: () => T, prefix = ''): T {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${prefix}${error.message}\n`);
    process.exit(2);
  }
}

/**
 * For a service's main: loads the config named by INFERMESH_CONFIG (or the embedded one);
 * on a bad config prints the reason and exits with status 2.
 */
export function loadMeshConfigOrExit(overrides: EnvironmentOverrides): MeshConfig {
  return orExitOnConfigError(() => loadMeshConfig(configFileOf(overrides), overrides));
}
