/** Triton's `dynamic_batching` (with its default queue policy) onto the runner's batching and queue keys. */
import { MODEL_CONFIG_DEFAULTS, MODEL_CONFIG_LIMITS } from '@infermesh/common';
import { ImportRefusal, type ImportNotes } from './import-notes.js';
import type { MessageReader } from './message-reader.js';
import type { RunnerConfig } from './runner-config.js';
import { ignoreField, listUnread } from './unsupported-fields.js';

type QueueKeys = Pick<
  RunnerConfig,
  'dynamic_batching' | 'max_queue_size' | 'default_queue_timeout_us' | 'priority_levels' | 'default_priority_level' | 'priority_queue_policy'
>;
type PriorityKeys = Pick<RunnerConfig, 'priority_levels' | 'default_priority_level' | 'priority_queue_policy'>;

const fail = (reason: string) => new ImportRefusal('failed', reason);

/** The queue policy every request gets: size, timeout; the rest is listed. */
function mapQueuePolicy(policy: MessageReader, notes: ImportNotes): QueueKeys {
  const keys: QueueKeys = {};
  const size = policy.integer('max_queue_size');
  if (size !== undefined && size < 0) throw fail(`${policy.pathOf('max_queue_size')}: ${size} is negative`);
  if (size === 0) {
    notes.note(`${policy.pathOf('max_queue_size')} 0 means unbounded in Triton; infermesh always bounds the queue, so its default ${MODEL_CONFIG_DEFAULTS.maxQueueSize} holds`);
  } else if (size !== undefined) {
    if (size > MODEL_CONFIG_LIMITS.maxQueueSize) throw fail(`${policy.pathOf('max_queue_size')}: ${size} is over infermesh's limit of ${MODEL_CONFIG_LIMITS.maxQueueSize}`);
    keys.max_queue_size = size;
  }
  const timeout = policy.integer('default_timeout_microseconds');
  if (timeout !== undefined && timeout < 0) throw fail(`${policy.pathOf('default_timeout_microseconds')}: ${timeout} is negative`);
  if (timeout) keys.default_queue_timeout_us = timeout;

  // REJECT is what infermesh does; only DELAY is a difference worth listing.
  if (policy.enumValue('timeout_action', ['REJECT', 'DELAY']) === 'DELAY') ignoreField(policy, 'timeout_action', notes);
  const override = policy.boolean('allow_timeout_override');
  if (override === true) notes.note(`${policy.pathOf('allow_timeout_override')}: infermesh always honours a request's \`timeout\` parameter, as asked`);
  if (override === false) ignoreField(policy, 'allow_timeout_override', notes);
  listUnread(policy, notes);
  return keys;
}

/** Triton's priority levels, its default level and each level's queue size; a level's own timeout is listed. */
function mapPriorities(batching: MessageReader, notes: ImportNotes): PriorityKeys {
  const levels = batching.integer('priority_levels') ?? 0;
  const defaultLevel = batching.integer('default_priority_level') ?? 0;
  const policies = batching.messages('priority_queue_policy');
  if (levels === 0) return {};
  if (levels < 0 || levels > MODEL_CONFIG_LIMITS.priorityLevels) {
    throw fail(`${batching.pathOf('priority_levels')}: ${levels} is not within infermesh's 1..${MODEL_CONFIG_LIMITS.priorityLevels}`);
  }
  const keys: PriorityKeys = { priority_levels: levels };
  if (defaultLevel < 0 || defaultLevel > levels) throw fail(`${batching.pathOf('default_priority_level')}: ${defaultLevel} is not within 1..priority_levels ${levels}`);
  if (defaultLevel > 0) keys.default_priority_level = defaultLevel;
  else notes.note(`${batching.pathOf('default_priority_level')} not given: infermesh's default, the lowest level (${levels}), holds`);
  for (const entry of policies) {
    const level = entry.integer('key') ?? 0;
    const size = entry.message('value')?.integer('max_queue_size');
    const path = `${batching.pathOf('priority_queue_policy')}[${level}]`;
    if (level < 1 || level > levels) throw fail(`${path}: level ${level} is not within 1..priority_levels ${levels}`);
    if (size !== undefined && (size < 0 || size > MODEL_CONFIG_LIMITS.maxQueueSize)) throw fail(`${path}.max_queue_size: ${size} is not within infermesh's 0..${MODEL_CONFIG_LIMITS.maxQueueSize}`);
    // 0 is unbounded in Triton: the level is then bound only by max_queue_size, as a level without a policy.
    if (size) (keys.priority_queue_policy ??= {})[String(level)] = { max_queue_size: size };
    notes.note(`${path}: only max_queue_size is imported; every level's calls take the default queue policy's timeout`);
  }
  return keys;
}

/**
 * `dynamic_batching { ... }` alone turns batching on with the runner's defaults. A model
 * that is not batched (max_batch_size 0) cannot batch in infermesh, so the block is listed.
 */
export function mapDynamicBatching(batching: MessageReader, maxBatchSize: number, notes: ImportNotes): QueueKeys {
  const preferred = batching.integers('preferred_batch_size');
  const delay = batching.integer('max_queue_delay_microseconds');
  const policy = batching.message('default_queue_policy');
  const keys: QueueKeys = { ...(policy ? mapQueuePolicy(policy, notes) : {}), ...mapPriorities(batching, notes) };
  listUnread(batching, notes);

  if (maxBatchSize === 0) {
    notes.ignore(batching.path, 'needs max_batch_size > 0: infermesh batches only models whose first dimension is the batch');
    return keys;
  }
  for (const size of preferred) {
    if (size < 1 || size > maxBatchSize) throw fail(`${batching.pathOf('preferred_batch_size')}: ${size} is not within 1..max_batch_size ${maxBatchSize}`);
  }
  if (delay !== undefined && (delay < 0 || delay > MODEL_CONFIG_LIMITS.maxQueueDelayUs)) {
    throw fail(`${batching.pathOf('max_queue_delay_microseconds')}: ${delay} is not within infermesh's 0..${MODEL_CONFIG_LIMITS.maxQueueDelayUs}`);
  }
  keys.dynamic_batching = {};
  if (delay === undefined) {
    notes.note(`${batching.pathOf('max_queue_delay_microseconds')} not given: Triton's default is 0 µs, infermesh's ${MODEL_CONFIG_DEFAULTS.maxQueueDelayUs} µs holds`);
  } else {
    keys.dynamic_batching.max_queue_delay_us = delay;
  }
  if (preferred.length > 0) keys.dynamic_batching.preferred_batch_sizes = preferred;
  return keys;
}
