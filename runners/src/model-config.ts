/** Reads a model's config file, `<repo>/<model>/config.yaml`; its schema is common's. */
import { readFile, stat } from 'node:fs/promises';
import { parseModelConfig, type ModelConfig } from '@infermesh/common';
import { parse as parseYaml } from 'yaml';

const MAX_MODEL_CONFIG_BYTES = 64 * 1024;

/** Reads and validates a model's config file; no file means all defaults. */
export async function readModelConfig(file: string | undefined): Promise<ModelConfig> {
  if (!file) return parseModelConfig({}, 'model config');
  const { size } = await stat(file);
  if (size > MAX_MODEL_CONFIG_BYTES) throw new Error(`${file}: ${size} bytes is over the 64 KiB limit`);
  let raw: unknown;
  try {
    raw = parseYaml(await readFile(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file}: not valid YAML: ${(error as Error).message}`);
  }
  return parseModelConfig(raw, file);
}
