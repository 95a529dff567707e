/**
 * Schema of the per-model config, `<repo>/<model>/config.yaml` (or LoadModel's config_yaml).
 * Runners validate it on load; tools writing one (the CLI's Triton import) read its bounds here.
 */
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/**
 * Bounds of the config's numbers. Exported so that tools writing a config (the CLI's Triton
 * import) can name the field a value came from, instead of copying the numbers.
 */
export const MODEL_CONFIG_LIMITS = {
  maxBatchSize: 65_536,
  maxQueueDelayUs: 10_000_000,
  maxQueueSize: 1_000_000,
  instances: 64,
  intraOpThreads: 256,
  warmupCount: 1_000,
  maxSequenceIdleUs: 3_600_000_000,
  maxSequences: 100_000,
  sequenceStates: 64,
  priorityLevels: 64,
  responseCacheBytes: Number.MAX_SAFE_INTEGER,
} as const;

/** Defaults that tools writing a config mention in their messages. */
export const MODEL_CONFIG_DEFAULTS = {
  maxQueueDelayUs: 100,
  maxQueueSize: 1024,
  /** Triton's default max_sequence_idle_microseconds. */
  maxSequenceIdleUs: 1_000_000,
  maxSequences: 1024,
} as const;

/** The per-model config's keys, with defaults. */
export const modelConfigSchema = z
  .object({
    /**
     * Largest batch one execution takes. 0: the model is not batched and requests run as
     * they are. Above 0: the first dimension of every input and output is the batch.
     */
    max_batch_size: z.number().int().min(0).max(MODEL_CONFIG_LIMITS.maxBatchSize).default(0),
    /** Concatenate queued requests into one execution (needs max_batch_size > 0). */
    dynamic_batching: z
      .object({
        /** How long the oldest request may wait for a batch to fill. */
        max_queue_delay_us: z.number().int().min(0).max(MODEL_CONFIG_LIMITS.maxQueueDelayUs).default(MODEL_CONFIG_DEFAULTS.maxQueueDelayUs),
        /** Batch sizes dispatched at once when reached, without waiting for the delay. */
        preferred_batch_sizes: z.array(z.number().int().positive()).default([]),
      })
      .strict()
      .optional(),
    /**
     * A stateful model (Triton's sequence batcher): calls carry `sequence_id`, `sequence_start`
     * and `sequence_end`; the runner keeps each sequence's slot, feeds the control inputs and
     * carries the state tensors from one call to the next.
     */
    sequence_batching: z
      .object({
        /** A sequence without a call for this long is freed (its state dropped). */
        max_sequence_idle_us: z.number().int().min(1).max(MODEL_CONFIG_LIMITS.maxSequenceIdleUs).default(MODEL_CONFIG_DEFAULTS.maxSequenceIdleUs),
        /** Sequences a runner keeps at once per version; a new one beyond it gets RESOURCE_EXHAUSTED. */
        max_sequences: z.number().int().min(1).max(MODEL_CONFIG_LIMITS.maxSequences).default(MODEL_CONFIG_DEFAULTS.maxSequences),
        /** Model inputs the runner fills (Triton's control kinds): 1 on the first / last call / always, and the sequence id. */
        control_inputs: z
          .object({ start: z.string().min(1).optional(), end: z.string().min(1).optional(), ready: z.string().min(1).optional(), corrid: z.string().min(1).optional() })
          .strict()
          .default({}),
        /** Implicit state: each call's `output` is fed back as `input` on the next call; zeros on the first. */
        states: z
          .array(z.object({ input: z.string().min(1), output: z.string().min(1) }).strict())
          .max(MODEL_CONFIG_LIMITS.sequenceStates)
          .default([]),
      })
      .strict()
      .optional(),
    /** Requests allowed to wait per version; beyond it new ones get RESOURCE_EXHAUSTED at once. */
    max_queue_size: z.number().int().min(1).max(MODEL_CONFIG_LIMITS.maxQueueSize).default(MODEL_CONFIG_DEFAULTS.maxQueueSize),
    /**
     * Priority levels of the version's queue (Triton's `priority_levels`): 1 is the highest,
     * a call's `priority` request parameter picks its level. 0: one level, `priority` ignored.
     */
    priority_levels: z.number().int().min(0).max(MODEL_CONFIG_LIMITS.priorityLevels).default(0),
    /** The level of a call that sends no `priority`, 0, or one over `priority_levels`; default the lowest. */
    default_priority_level: z.number().int().min(1).max(MODEL_CONFIG_LIMITS.priorityLevels).optional(),
    /** Per level (its number as the key), requests of that level allowed to wait; within `max_queue_size` in all. */
    priority_queue_policy: z
      .record(z.string().regex(/^[1-9]\d*$/, 'expected a priority level (1, 2, ...)'), z.object({ max_queue_size: z.number().int().min(1).max(MODEL_CONFIG_LIMITS.maxQueueSize) }).strict())
      .default({}),
    /**
     * Answers kept per input, so that a repeated request is answered without running the
     * model (Triton's response cache). Absent: no cache. Never used by a sequence model.
     */
    response_cache: z
      .object({
        /** Bytes of cached answers this version keeps at most; the runner's `responseCacheBytes` bounds all versions together. */
        max_bytes: z.number().int().min(1).max(MODEL_CONFIG_LIMITS.responseCacheBytes),
      })
      .strict()
      .optional(),
    /** Queue timeout for requests that do not set the `timeout` parameter; 0: none. */
    default_queue_timeout_us: z.number().int().min(0).default(0),
    /** Model instances, each its own worker thread and session on the runner's device. */
    instances: z.number().int().min(1).max(MODEL_CONFIG_LIMITS.instances).default(1),
    /** ORT intra-op threads per instance; overrides the runner's default. 0 lets ORT choose. */
    intra_op_threads: z.number().int().min(0).max(MODEL_CONFIG_LIMITS.intraOpThreads).optional(),
    /** ORT graph optimisation level. */
    graph_optimization_level: z.enum(['disabled', 'basic', 'extended', 'all']).default('all'),
    /** On a CUDA runner whose GPU cannot take the model, run it on the CPU instead of failing. */
    allow_cpu_fallback: z.boolean().default(false),
    /** Runs made with generated inputs before the version reports READY. */
    warmup: z
      .object({
        count: z.number().int().min(1).max(MODEL_CONFIG_LIMITS.warmupCount).default(1),
        /** Batch size of the warm-up inputs (batched models only). */
        batch_size: z.number().int().min(1).default(1),
        /** Zeros, or random values. */
        data: z.enum(['zero', 'random']).default('zero'),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((config, ctx) => {
    if (config.sequence_batching && config.dynamic_batching) {
      ctx.addIssue({ code: 'custom', path: ['sequence_batching'], message: 'cannot be combined with dynamic_batching: a sequence runs one call at a time' });
    }
    if (config.dynamic_batching && config.max_batch_size === 0) {
      ctx.addIssue({ code: 'custom', path: ['dynamic_batching'], message: 'needs max_batch_size > 0' });
    }
    for (const size of config.dynamic_batching?.preferred_batch_sizes ?? []) {
      if (size > config.max_batch_size) {
        ctx.addIssue({
          code: 'custom',
          path: ['dynamic_batching', 'preferred_batch_sizes'],
          message: `${size} is over max_batch_size ${config.max_batch_size}`,
        });
      }
    }
    if (config.default_priority_level !== undefined && config.default_priority_level > config.priority_levels) {
      ctx.addIssue({ code: 'custom', path: ['default_priority_level'], message: `over priority_levels ${config.priority_levels}` });
    }
    for (const level of Object.keys(config.priority_queue_policy)) {
      if (Number(level) > config.priority_levels) {
        ctx.addIssue({ code: 'custom', path: ['priority_queue_policy', level], message: `level ${level} is over priority_levels ${config.priority_levels}` });
      }
    }
    if (config.warmup && config.warmup.batch_size > Math.max(1, config.max_batch_size)) {
      ctx.addIssue({ code: 'custom', path: ['warmup', 'batch_size'], message: `over max_batch_size ${config.max_batch_size}` });
    }
  });

/** A model's validated config. */
export type ModelConfig = z.infer<typeof modelConfigSchema>;
/** A config as written, before validation fills in the defaults: every key optional. */
export type ModelConfigInput = z.input<typeof modelConfigSchema>;

/** The keys a config may have at its top level, for messages about an unknown one. */
export const MODEL_CONFIG_KEYS: readonly string[] = Object.keys(modelConfigSchema.shape);

type Checked = { config: ModelConfig; problems?: undefined } | { config?: undefined; problems: string[] };

function check(raw: unknown): Checked {
  const parsed = modelConfigSchema.safeParse(raw ?? {});
  if (parsed.success) return { config: parsed.data };
  const problems = parsed.error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const known = issue.path.length === 0 ? ` (keys: ${MODEL_CONFIG_KEYS.join(', ')})` : '';
      return issue.keys.map((key) => `${[...issue.path, key].join('.')}: unknown key${known}`);
    }
    return [`${issue.path.join('.') || '(root)'}: ${issue.message}`];
  });
  return { problems };
}

/**
 * What is wrong with a parsed config, one message per problem, each starting with the key at
 * fault (`instance: unknown key ...`); empty when it is valid. The runner refuses such a config
 * at load, and the registry and the CLI refuse it before a version is stored.
 */
export function modelConfigProblems(raw: unknown): string[] {
  return check(raw).problems ?? [];
}

/**
 * What is wrong with a config as YAML text (empty text: the defaults), as {@link modelConfigProblems};
 * the registry and the CLI check what they are given with it.
 */
export function modelConfigYamlProblems(text: string): string[] {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    return [`not valid YAML: ${(error as Error).message.split('\n')[0]}`];
  }
  if (raw !== null && raw !== undefined && (typeof raw !== 'object' || Array.isArray(raw))) {
    return ['expected a mapping of model config keys (max_batch_size, instances, ...)'];
  }
  return modelConfigProblems(raw);
}

/** Validates a parsed config; `source` names the file in messages. */
export function parseModelConfig(raw: unknown, source: string): ModelConfig {
  const checked = check(raw);
  if (checked.problems) throw new Error(`${source}: ${checked.problems.join('; ')}`);
  return checked.config;
}
