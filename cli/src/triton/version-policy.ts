/** Triton's `version_policy`: which versions it would serve, and so which one becomes stable. */
import { ImportRefusal, type ImportNotes } from './import-notes.js';
import type { MessageReader } from './message-reader.js';
import { listUnread } from './unsupported-fields.js';

/** Triton's three policies; absent means `latest { num_versions: 1 }`. */
export type VersionPolicy = { kind: 'latest'; count: number } | { kind: 'all' } | { kind: 'specific'; versions: number[] };

/** Reads the policy; it is a oneof, so two of them fail the model. */
export function readVersionPolicy(policy: MessageReader | undefined, notes: ImportNotes): VersionPolicy {
  if (!policy) return { kind: 'latest', count: 1 };
  const latest = policy.message('latest');
  const all = policy.message('all');
  const specific = policy.message('specific');
  listUnread(policy, notes);
  const given = [latest, all, specific].filter((choice) => choice !== undefined);
  if (given.length > 1) throw new ImportRefusal('failed', `${policy.path}: give one of latest, all and specific`);
  if (latest) {
    const count = latest.integer('num_versions') ?? 1;
    listUnread(latest, notes);
    if (count < 1) throw new ImportRefusal('failed', `${latest.pathOf('num_versions')}: ${count} is below 1`);
    return { kind: 'latest', count };
  }
  if (specific) {
    const versions = specific.integers('versions');
    listUnread(specific, notes);
    return { kind: 'specific', versions };
  }
  if (all) listUnread(all, notes);
  return all ? { kind: 'all' } : { kind: 'latest', count: 1 };
}

/** The versions Triton would serve out of those found, newest last. */
export function servedVersions(policy: VersionPolicy, found: readonly number[]): number[] {
  const sorted = [...found].sort((a, b) => a - b);
  if (policy.kind === 'all') return sorted;
  if (policy.kind === 'latest') return sorted.slice(-policy.count);
  return sorted.filter((version) => policy.versions.includes(version));
}

/** `latest 1`, `all`, `specific 1, 3`. */
export function describePolicy(policy: VersionPolicy): string {
  if (policy.kind === 'latest') return `latest ${policy.count}`;
  return policy.kind === 'all' ? 'all' : `specific ${policy.versions.join(', ')}`;
}
