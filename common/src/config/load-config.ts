/** For services and the CLI: the config file named by INFERMESH_CONFIG (or given), read and resolved. */
import { ConfigError } from './ConfigError.js';
import { readEnvironment, type EnvironmentOverrides } from './env.js';
import { readConfigFile } from './read-config-file.js';
import { resolveConfig, type ResolvedConfig } from './resolve-config.js';

/** The embedded mesh config, relative to the repository root. */
export const DEFAULT_CONFIG_FILE = 'deploy/local/infermesh.yaml';

/** The config file a service reads: INFERMESH_CONFIG, else the embedded one. */
export function configFileOf(env: EnvironmentOverrides): string {
  return env.configFile ?? DEFAULT_CONFIG_FILE;
}

/** Reads `file` and resolves it with `env`'s overrides; a bad file or value throws a ConfigError. */
export function loadConfig(file: string, env: EnvironmentOverrides): ResolvedConfig {
  return resolveConfig(readConfigFile(file), env, { source: file });
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
 * For a service's main: reads the environment and loads the config named by INFERMESH_CONFIG
 * (or the embedded one); on a bad variable or config prints the reason and exits with status 2.
 */
export function loadConfigOrExit(): ResolvedConfig {
  return orExitOnConfigError(() => {
    const env = readEnvironment();
    return loadConfig(configFileOf(env), env);
  });
}
