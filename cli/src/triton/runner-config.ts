/**
 * The keys of infermesh's per-model config (runners/src/model-config.ts) that an import
 * sets, and their limits, so a refusal names the config.pbtxt field it came from; the
 * runner's schema (parseModelConfig) then checks the whole mapped config.
 */

/** A runner model config as the import writes it; absent keys keep the runner's defaults. */
export interface RunnerConfig {
  max_batch_size?: number;
  dynamic_batching?: { max_queue_delay_us?: number; preferred_batch_sizes?: number[] };
  max_queue_size?: number;
  default_queue_timeout_us?: number;
  instances?: number;
  intra_op_threads?: number;
  graph_optimization_level?: 'basic' | 'extended' | 'all';
}

/** Bounds of the runner's schema. */
export const LIMITS = {
  maxBatchSize: 65_536,
  maxQueueDelayUs: 10_000_000,
  maxQueueSize: 1_000_000,
  instances: 64,
  intraOpThreads: 256,
} as const;

/** The runner's defaults that the import's messages mention. */
export const DEFAULTS = { maxQueueSize: 1024, maxQueueDelayUs: 100 } as const;
