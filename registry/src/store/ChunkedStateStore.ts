/**
 * What the key-value stores (Consul, etcd) share: the state as a head key plus chunks (see
 * state-layout.ts), a save as chunks first and then a compare-and-set of the head on the
 * revision the registry last saw (the loser gets a StoreConflictError), reads that check the
 * chunks against the head, and the deletion of chunks nothing names any more. A backend
 * gives the key-value primitives and its own watch.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '@infermesh/common';
import { registryStateSchema, type RegistryState } from '../state/registry-state.js';
import { StoreConflictError, type RegistryStore, type StoredState } from './RegistryStore.js';
import { HEAD_FORMAT, layout, MAX_STATE_BYTES, saveId, savedAtOf, sha256, split, type StateHead, type ValueLimits } from './state-layout.js';

/** The head as a backend read it: its bytes and its revision. */
export interface HeadEntry {
  value: Buffer;
  revision: number;
}

/** Chunk folders older than this, and named by no head, are leftovers of a writer that died mid-save. */
const ORPHAN_AGE_MS = 10 * 60_000;
/** Reads of a head whose chunks were replaced meanwhile, before giving up. */
const READ_ATTEMPTS = 5;

export abstract class ChunkedStateStore implements Pick<RegistryStore, 'description' | 'load' | 'save'> {
  protected readonly keys;
  /** The head this store last loaded or saved: its revision, and its chunks (to delete once replaced). */
  private known: { revision: number; id: string; chunks: number } | undefined;
  private sweptAtMs = -Infinity;

  protected constructor(
    readonly description: string,
    prefix: string,
    private readonly limits: ValueLimits,
    protected readonly logger: Logger,
  ) {
    this.keys = layout(prefix);
  }

  /** The head now; undefined when nothing was ever saved. */
  protected abstract readHead(): Promise<HeadEntry | undefined>;
  /** The chunks of save `id` in order, as they were at `revision` where the backend can tell. */
  protected abstract readChunks(id: string, revision: number): Promise<Buffer[]>;
  protected abstract writeChunk(id: string, index: number, piece: Buffer): Promise<void>;
  /** Replaces the head if its revision is still `expectedRevision` (0: no head); the new revision, or 'conflict'. */
  protected abstract swapHead(value: Buffer, expectedRevision: number): Promise<number | 'conflict'>;
  /** Deletes the chunks of save `id`. */
  protected abstract removeChunks(id: string): Promise<void>;
  /** The save ids that have chunk folders. */
  protected abstract chunkIds(): Promise<string[]>;

  async load(): Promise<StoredState | undefined> {
    const stored = await this.read();
    // A registry reloads after every conflict: leftovers are looked for at most once per ORPHAN_AGE_MS.
    if (Date.now() - this.sweptAtMs >= ORPHAN_AGE_MS) {
      this.sweptAtMs = Date.now();
      await this.sweepOrphans().catch((error: unknown) => this.logger.warn({ err: error, store: this.description }, 'could not sweep leftover state chunks'));
    }
    return stored;
  }

  async save(state: RegistryState, expectedRevision: number): Promise<number> {
    const json = Buffer.from(JSON.stringify(state));
    if (json.length > MAX_STATE_BYTES) throw new Error(`${this.description}: the state is ${json.length} bytes, over the ${MAX_STATE_BYTES}-byte limit`);
    const id = saveId(Date.now(), randomUUID());
    const inline = json.length <= this.limits.inlineMaxBytes;
    const pieces = inline ? [] : split(json, this.limits.chunkBytes);
    const head: StateHead = { format: HEAD_FORMAT, id, savedAtMs: Date.now(), bytes: json.length, sha256: sha256(json), chunks: pieces.length, ...(inline ? { state } : {}) };
    // Chunks first: nothing names them until the head does, so a failure here changes nothing.
    for (const [index, piece] of pieces.entries()) await this.writeChunk(id, index, piece);
    let revision: number | 'conflict';
    try {
      revision = await this.swapHead(Buffer.from(JSON.stringify(head)), expectedRevision);
    } catch (error) {
      if (pieces.length > 0) await this.deleteChunks(id);
      throw error;
    }
    if (revision === 'conflict') {
      if (pieces.length > 0) await this.deleteChunks(id);
      throw new StoreConflictError(`${this.description}: another replica saved since revision ${expectedRevision}`);
    }
    const replaced = this.known;
    this.known = { revision, id, chunks: pieces.length };
    // The head replaced here named these chunks (this store knew it at expectedRevision): nothing needs them now.
    if (replaced && replaced.revision === expectedRevision && replaced.chunks > 0) await this.deleteChunks(replaced.id);
    return revision;
  }

  /** The revision of the head this store last loaded or saved (0: none yet). */
  protected get knownRevision(): number {
    return this.known?.revision ?? 0;
  }

  /** The stored state, read consistently: a head whose chunks went meanwhile is read again. */
  protected async read(): Promise<StoredState | undefined> {
    for (let attempt = 1; ; attempt++) {
      const entry = await this.readHead();
      if (!entry) return undefined;
      const stored = await this.decode(entry);
      if (stored) return stored;
      if (attempt >= READ_ATTEMPTS) throw new Error(`${this.description}: the state's chunks keep changing under the reader`);
    }
  }

  /** The state a head entry names; undefined when its chunks are gone (a newer save replaced them). */
  protected async decode(entry: HeadEntry): Promise<StoredState | undefined> {
    let head: StateHead;
    try {
      head = JSON.parse(entry.value.toString('utf8')) as StateHead;
    } catch (error) {
      throw new Error(`${this.description}: not valid JSON (${(error as Error).message})`);
    }
    if (head?.format !== HEAD_FORMAT || typeof head.id !== 'string' || !Number.isInteger(head.chunks)) {
      throw new Error(`${this.description}: not a registry state head of format ${HEAD_FORMAT}`);
    }
    if (head.bytes > MAX_STATE_BYTES) throw new Error(`${this.description}: a state of ${head.bytes} bytes is over the ${MAX_STATE_BYTES}-byte limit`);
    let raw: unknown = head.state;
    if (head.chunks > 0) {
      const pieces = await this.readChunks(head.id, entry.revision);
      const json = Buffer.concat(pieces);
      if (pieces.length !== head.chunks || json.length !== head.bytes || sha256(json) !== head.sha256) return undefined;
      raw = JSON.parse(json.toString('utf8'));
    }
    const state = registryStateSchema.safeParse(raw);
    if (!state.success) {
      const problem = state.error.issues[0]!;
      throw new Error(`${this.description}: state.${problem.path.join('.')}: ${problem.message}`);
    }
    // A watch may finish reading an older head after a save: the newest one stays known.
    if (entry.revision > this.knownRevision) this.known = { revision: entry.revision, id: head.id, chunks: head.chunks };
    return { state: state.data, revision: entry.revision };
  }

  private async deleteChunks(id: string): Promise<void> {
    await this.removeChunks(id).catch((error: unknown) => this.logger.warn({ err: error, store: this.description, id }, 'could not delete replaced state chunks'));
  }

  /** Deletes chunk folders no head names that are old enough to be no save in flight. */
  private async sweepOrphans(): Promise<void> {
    for (const id of await this.chunkIds()) {
      const savedAt = savedAtOf(id);
      if (id === this.known?.id || savedAt === undefined || Date.now() - savedAt < ORPHAN_AGE_MS) continue;
      await this.deleteChunks(id);
    }
  }
}
