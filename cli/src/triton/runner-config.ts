/**
 * The keys of infermesh's per-model config (common/src/config/model-config.ts) that an import
 * sets. Its limits and defaults are common's (MODEL_CONFIG_LIMITS and
 * MODEL_CONFIG_DEFAULTS), so a refusal names the config.pbtxt field it came from; the
 * runner's schema (parseModelConfig) then checks the whole mapped config.
 */
import type { ModelConfigInput } from '@infermesh/common';

/** A runner model config as the import writes it; absent keys keep the runner's defaults. */
export type RunnerConfig = Pick<
  ModelConfigInput,
  | 'max_batch_size'
  | 'dynamic_batching'
  | 'max_queue_size'
  | 'default_queue_timeout_us'
  | 'priority_levels'
  | 'default_priority_level'
  | 'priority_queue_policy'
  | 'response_cache'
  | 'instances'
  | 'intra_op_threads'
  | 'sequence_batching'
> & {
  /** Triton has no level that turns optimisation off, so an import never writes `disabled`. */
  graph_optimization_level?: Exclude<ModelConfigInput['graph_optimization_level'], 'disabled'>;
};
