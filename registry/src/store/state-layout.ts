/**
 * How the registry's state lies in a key-value store (Consul KV, etcd) under the store's prefix:
 *
 * - `<prefix>/state`: the head, JSON `{format, id, savedAtMs, bytes, sha256, chunks, state?}`.
 *   Its revision (Consul's ModifyIndex, etcd's mod_revision) is the store's; every save is a
 *   compare-and-set on it. A small state rides in the head itself (one request).
 * - `<prefix>/chunks/<id>/<nnnnnn>`: a larger state's JSON in pieces, written before the head
 *   that names `id`; they are never changed, only deleted once a newer head replaced theirs.
 *   Each store caps one value or request (Consul 512 KiB, etcd 1.5 MiB), so a state can
 *   outgrow one key.
 * - `<prefix>/leader`: the placement leader lock (Consul); etcd's election keeps its
 *   candidates under `<prefix>/election/leader/`.
 * - `<prefix>/members/<replica id>`: the runners that heartbeat to each replica.
 */
import { createHash } from 'node:crypto';

/** Format of the head. */
export const HEAD_FORMAT = 1;
/** Largest state the store saves or reads back (metadata only, never artifacts). */
export const MAX_STATE_BYTES = 64 * 1024 * 1024;

/** How big a value a backend takes: the largest state kept inline in the head, and the size of a chunk. */
export interface ValueLimits {
  inlineMaxBytes: number;
  chunkBytes: number;
}

/** The head as stored. */
export interface StateHead {
  format: number;
  /** Unique per save: names the chunks, and tells a save's own head from another's. */
  id: string;
  savedAtMs: number;
  /** Bytes of the state's JSON. */
  bytes: number;
  sha256: string;
  /** 0: the state is inline. */
  chunks: number;
  state?: unknown;
}

/** The keys of a store under `prefix`. */
export function layout(prefix: string) {
  return {
    head: `${prefix}/state`,
    chunksRoot: `${prefix}/chunks/`,
    chunks: (id: string) => `${prefix}/chunks/${id}/`,
    chunk: (id: string, index: number) => `${prefix}/chunks/${id}/${String(index).padStart(6, '0')}`,
    leader: `${prefix}/leader`,
    members: `${prefix}/members/`,
  };
}

/** The sha256 of `bytes`, hex. */
export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** `bytes` in pieces of `chunkBytes`. */
export function split(bytes: Buffer, chunkBytes: number): Buffer[] {
  const pieces: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += chunkBytes) pieces.push(bytes.subarray(offset, offset + chunkBytes));
  return pieces;
}

/** The save id: its time first, so that a sweep can tell old leftovers from a save in flight. */
export function saveId(nowMs: number, random: string): string {
  return `${nowMs.toString(36).padStart(10, '0')}-${random}`;
}

/** When the save `id` was made, from its name; undefined when it is no save id. */
export function savedAtOf(id: string): number | undefined {
  const match = /^([0-9a-z]{10})-/.exec(id);
  return match ? parseInt(match[1]!, 36) : undefined;
}
