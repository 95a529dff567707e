/** A runner model config as the YAML text registered with a version, and as a one-line summary. */
import { MODEL_CONFIG_DEFAULTS } from '@infermesh/common';
import type { RunnerConfig } from './runner-config.js';

const KEY_ORDER: readonly (keyof RunnerConfig)[] = [
  'max_batch_size',
  'dynamic_batching',
  'max_queue_size',
  'default_queue_timeout_us',
  'priority_levels',
  'default_priority_level',
  'priority_queue_policy',
  'response_cache',
  'instances',
  'intra_op_threads',
  'graph_optimization_level',
  'sequence_batching',
];

const scalar = (value: unknown) => (Array.isArray(value) ? `[${value.join(', ')}]` : String(value));

/**
 * The config as YAML (empty for all defaults). Its values are numbers, lists of numbers and
 * plain words, so a few lines of formatting do what a YAML library would.
 */
export function toConfigYaml(config: RunnerConfig): string {
  const lines: string[] = [];
  for (const key of KEY_ORDER) {
    const value = config[key];
    if (value === undefined) continue;
    if (key === 'sequence_batching' || key === 'priority_queue_policy') {
      // Nested mappings: JSON, which YAML reads as a flow mapping.
      lines.push(`${key}: ${JSON.stringify(value)}`);
      continue;
    }
    if (typeof value !== 'object' || Array.isArray(value)) {
      lines.push(`${key}: ${scalar(value)}`);
      continue;
    }
    const entries = Object.entries(value).filter(([, inner]) => inner !== undefined);
    if (entries.length === 0) lines.push(`${key}: {}`);
    else lines.push(`${key}:`, ...entries.map(([inner, innerValue]) => `  ${inner}: ${scalar(innerValue)}`));
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/** `max_batch_size 8, dynamic batching (delay 100 µs, preferred 4, 8), 2 instances`, or `infermesh defaults`. */
export function describeConfig(config: RunnerConfig): string {
  const parts: string[] = [];
  if (config.max_batch_size !== undefined) parts.push(`max_batch_size ${config.max_batch_size}`);
  const batching = config.dynamic_batching;
  if (batching) {
    const details = [`delay ${batching.max_queue_delay_us ?? MODEL_CONFIG_DEFAULTS.maxQueueDelayUs} µs`];
    if (batching.preferred_batch_sizes?.length) details.push(`preferred ${batching.preferred_batch_sizes.join(', ')}`);
    parts.push(`dynamic batching (${details.join(', ')})`);
  }
  if (config.max_queue_size !== undefined) parts.push(`queue ${config.max_queue_size}`);
  if (config.default_queue_timeout_us !== undefined) parts.push(`queue timeout ${config.default_queue_timeout_us} µs`);
  if (config.priority_levels !== undefined) parts.push(`${config.priority_levels} priority levels`);
  if (config.response_cache !== undefined) parts.push(`response cache ${config.response_cache.max_bytes} bytes`);
  if (config.instances !== undefined) parts.push(`${config.instances} instance${config.instances === 1 ? '' : 's'}`);
  if (config.intra_op_threads !== undefined) parts.push(`${config.intra_op_threads} intra-op threads`);
  if (config.graph_optimization_level !== undefined) parts.push(`graph optimization ${config.graph_optimization_level}`);
  const sequence = config.sequence_batching;
  if (sequence) {
    const controls = Object.entries(sequence.control_inputs ?? {}).map(([kind, name]) => `${kind.toUpperCase()} ${name}`);
    parts.push(`sequences (${[...controls, `${sequence.states?.length ?? 0} state${sequence.states?.length === 1 ? '' : 's'}`].join(', ')})`);
  }
  return parts.length === 0 ? 'infermesh defaults' : parts.join(', ');
}
