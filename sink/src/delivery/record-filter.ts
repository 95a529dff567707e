/** Per-destination filters: entry kind, model names, status. */
import type { SinkDocument } from '../record/record-document.js';
import { EntryKind } from '../spool/frame.js';
import type { FilterConfig } from '@infermesh/common';

/** The config's name of each spooled entry kind. */
const KIND_NAMES: Record<EntryKind, FilterConfig['kinds'][number]> = {
  [EntryKind.prediction]: 'prediction',
  [EntryKind.deadLetter]: 'dead-letter',
};

/** A predicate on a spooled entry's kind byte, so entries of other kinds are passed over unparsed. */
export function entryKindFilter(filter: FilterConfig): (kind: EntryKind) => boolean {
  const kinds = new Set<string>(filter.kinds);
  return (kind) => kinds.has(KIND_NAMES[kind]);
}

/** A predicate for one destination's `filter` section. */
export function recordFilter(filter: FilterConfig): (document: SinkDocument) => boolean {
  const kinds = new Set<string>(filter.kinds);
  const models = new Set(filter.models);
  const statuses = Array.isArray(filter.status) ? new Set<string>(filter.status) : undefined;
  return (document) => {
    if (!kinds.has(document.kind)) return false;
    // Filters on model and status concern predictions; a dead letter has neither.
    if (document.kind !== 'prediction') return true;
    if (models.size > 0 && !models.has(document.modelName)) return false;
    if (statuses) return statuses.has(document.status);
    if (filter.status === 'ok') return document.status === 'OK';
    if (filter.status === 'error') return document.status !== 'OK';
    return true;
  };
}
