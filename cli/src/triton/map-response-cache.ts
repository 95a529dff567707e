/** Triton's per-model `response_cache { enable }` onto the runner's `response_cache`. */
import { DEFAULT_RESPONSE_CACHE_BYTES } from '@infermesh/common';
import type { ImportNotes } from './import-notes.js';
import type { MessageReader } from './message-reader.js';
import type { RunnerConfig } from './runner-config.js';
import { listUnread } from './unsupported-fields.js';

/**
 * Triton sizes its cache for the whole server; infermesh bounds each version and the runner,
 * so an enabled cache gets the runner's default budget as its own.
 */
export function mapResponseCache(cache: MessageReader, notes: ImportNotes): Pick<RunnerConfig, 'response_cache'> {
  const enabled = cache.boolean('enable') === true;
  listUnread(cache, notes);
  if (!enabled) return {};
  notes.note(
    `${cache.pathOf('enable')}: response_cache.max_bytes is set to ${DEFAULT_RESPONSE_CACHE_BYTES} (the runner's default responseCacheBytes, which bounds every version together); lower it to bound this model alone`,
  );
  return { response_cache: { max_bytes: DEFAULT_RESPONSE_CACHE_BYTES } };
}
