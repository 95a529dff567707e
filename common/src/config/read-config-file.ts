/** Reads a mesh config file into an unvalidated object. */
import { readFileSync, statSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from './ConfigError.js';

const MAX_CONFIG_BYTES = 1024 * 1024;

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
