/** Triton's `dynamic_batching` (with its default queue policy) onto the runner's batching and queue keys. */
import { MODEL_CONFIG_DEFAULTS, MODEL_CONFIG_LIMITS } from '@infermesh/common';
import { ImportRefusal, type ImportNotes } from './import-notes.js';
import type { MessageReader } from './message-reader.js';
import type { RunnerConfig } from './runner-config.js';
import { ignoreField, listUnread } from './unsupported-fields.js';

type QueueKeys = Pick<RunnerConfig, 'dynamic_batching' | 'max_queue_size' | 'default_queue_timeout_us'>;

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

/**
 * `dynamic_batching { ... }` alone turns batching on with the runner's defaults. A model
 * that is not batched (max_batch_size 0) cannot batch in infermesh, so the block is listed.
 */
export function mapDynamicBatching(batching: MessageReader, maxBatchSize: number, notes: ImportNotes): QueueKeys {
  const preferred = batching.integers('preferred_batch_size');
  const delay = batching.integer('max_queue_delay_microseconds');
  const policy = batching.message('default_queue_policy');
  const keys: QueueKeys = policy ? mapQueuePolicy(policy, notes) : {};
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
