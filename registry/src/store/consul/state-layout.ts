/**
 * How the registry's state lies in Consul KV under the store's prefix:
 *
 * - `<prefix>/state`: the head, JSON `{format, id, savedAtMs, bytes, sha256, chunks, state?}`.
 *   Its ModifyIndex is the store's revision; every save is a check-and-set on it. A state
 *   of up to {@link INLINE_MAX_BYTES} rides in the head itself (one transaction).
 * - `<prefix>/chunks/<id>/<nnnnnn>`: a larger state's JSON in pieces of {@link CHUNK_BYTES},
 *   written before the head that names `id`; they are never changed, only deleted once a
 *   newer head replaced theirs. Consul holds a value to 512 KiB, so a state can outgrow one key.
 * - `<prefix>/leader`: the placement leader lock (see ConsulLeadership).
 * - `<prefix>/members/<replica id>`: the runners that heartbeat to each replica (see ConsulPresence).
 */
import { createHash } from 'node:crypto';

/** Format of the head. */
export const HEAD_FORMAT = 1;
/**
 * Largest state JSON kept in the head. The head travels in a transaction, whose whole request
 * (base64 values) Consul holds to 512 KiB (`txn_max_req_len`).
 */
export const INLINE_MAX_BYTES = 256 * 1024;
/** Size of a chunk of a larger state; under Consul's 512 KiB value limit. */
export const CHUNK_BYTES = 384 * 1024;
/** Largest state the store saves or reads back (metadata only, never artifacts). */
export const MAX_STATE_BYTES = 64 * 1024 * 1024;

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

/** `bytes` in pieces of {@link CHUNK_BYTES}. */
export function split(bytes: Buffer): Buffer[] {
  const pieces: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += CHUNK_BYTES) pieces.push(bytes.subarray(offset, offset + CHUNK_BYTES));
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
