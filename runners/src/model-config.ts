/** The optional per-model config file, `<repo>/<model>/config.yaml`, validated on load. */
import { readFile, stat } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

const MAX_MODEL_CONFIG_BYTES = 64 * 1024;

const modelConfigSchema = z
  .object({
    /** ORT intra-op threads per instance; overrides the runner's default. 0 lets ORT choose. */
    intra_op_threads: z.number().int().min(0).max(256).optional(),
    /** ORT graph optimisation level. */
    graph_optimization_level: z.enum(['disabled', 'basic', 'extended', 'all']).default('all'),
    /** Requests allowed to wait per version; beyond it new ones get RESOURCE_EXHAUSTED at once. */
    max_queue_size: z.number().int().min(1).max(1_000_000).default(1024),
  })
  .strict();

/** A model's validated config. */
export type ModelConfig = z.infer<typeof modelConfigSchema>;

/** Reads and validates a model's config file; no file means all defaults. */
export async function readModelConfig(file: string | undefined): Promise<ModelConfig> {
  if (!file) return modelConfigSchema.parse({});
  const { size } = await stat(file);
  if (size > MAX_MODEL_CONFIG_BYTES) throw new Error(`${file}: ${size} bytes is over the 64 KiB limit`);
  let raw: unknown;
  try {
    raw = parseYaml(await readFile(file, 'utf8')) ?? {};
  } catch (error) {
    throw new Error(`${file}: not valid YAML: ${(error as Error).message}`);
  }
  const parsed = modelConfigSchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}
