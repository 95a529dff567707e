/**
 * The stand-in's KV store, with Consul's semantics: CreateIndex/ModifyIndex/LockIndex, `cas`
 * (0 = create only), locks held by sessions (`acquire`/`release`, lock delay after a session
 * is invalidated), recursive reads and deletes, and the index a blocking read reflects
 * (the highest ModifyIndex of what it reads, deletions included).
 */
import type { IndexClock } from './IndexClock.js';

/** One stored entry, as Consul returns it (Value base64-encoded on the wire). */
export interface KvEntry {
  Key: string;
  Value: Buffer | null;
  Flags: number;
  CreateIndex: number;
  ModifyIndex: number;
  LockIndex: number;
  Session?: string;
}

/** How a PUT changes a key. */
export interface KvPut {
  value: Buffer;
  flags?: number;
  cas?: number;
  acquire?: string;
  release?: string;
}

/** Thrown for a request Consul refuses with 500 (an unknown session). */
export class KvRequestError extends Error {}

export class KvStore {
  private readonly entries = new Map<string, KvEntry>();
  /** Deleted key → the index of its deletion, so blocking reads wake on deletes. */
  private readonly tombstones = new Map<string, number>();
  /** Key → epoch ms before which no session may acquire it (lock delay). */
  private readonly lockDelays = new Map<string, number>();
  private tableIndex = 1;
  /** Inside {@link batch}: the one index every write of the transaction takes. */
  private batchIndex: number | undefined;

  constructor(
    private readonly clock: IndexClock,
    private readonly sessionExists: (id: string) => boolean,
  ) {}

  /** Entries at `key` (or under it, with `recurse`), sorted by key, and the index they reflect. */
  read(key: string, recurse: boolean): { entries: KvEntry[]; index: number } {
    const matches = (candidate: string) => (recurse ? candidate.startsWith(key) : candidate === key);
    const entries = [...this.entries.values()].filter((entry) => matches(entry.Key)).sort((a, b) => (a.Key < b.Key ? -1 : 1));
    let index = 0;
    for (const entry of entries) index = Math.max(index, entry.ModifyIndex);
    for (const [deleted, at] of this.tombstones) if (matches(deleted)) index = Math.max(index, at);
    return { entries, index: index || this.tableIndex };
  }

  /**
   * Why a transaction operation `verb` on `key` would fail (a cas at a stale index, a check),
   * or undefined when it would apply. Unknown verbs are refused here too.
   */
  check(key: string, verb: string, index: number | undefined): string | undefined {
    const existing = this.entries.get(key);
    switch (verb) {
      case 'set':
      case 'delete':
      case 'delete-tree':
        return undefined;
      case 'get':
        return existing ? undefined : `key "${key}" doesn't exist`;
      case 'cas':
      case 'delete-cas':
      case 'check-index':
        if (index === undefined) return `index is required for ${verb}`;
        if (verb === 'cas' && index === 0) return existing ? `failed to set key "${key}", index is stale` : undefined;
        if (existing?.ModifyIndex === index) return undefined;
        return verb === 'check-index' ? `current modify index ${existing?.ModifyIndex ?? 0} != ${index}` : `failed to ${verb === 'cas' ? 'set' : 'delete'} key "${key}", index is stale`;
      case 'check-not-exists':
        return existing ? `key "${key}" exists` : undefined;
      default:
        return `unknown KV verb "${verb}" (the stand-in implements set, cas, get, delete, delete-cas, delete-tree, check-index, check-not-exists)`;
    }
  }

  /** Runs `writes` as one transaction: every write in it gets the same index, and waiters wake once. */
  batch<T>(writes: () => T): T {
    this.batchIndex = this.clock.next();
    try {
      return writes();
    } finally {
      const index = this.batchIndex;
      this.batchIndex = undefined;
      this.wrote(index);
    }
  }

  /** A PUT: true when it was applied, false when `cas` or a lock refused it. */
  put(key: string, put: KvPut): boolean {
    const existing = this.entries.get(key);
    if (put.cas !== undefined && (put.cas === 0 ? existing !== undefined : existing?.ModifyIndex !== put.cas)) return false;
    let session = existing?.Session;
    let lockIndex = existing?.LockIndex ?? 0;
    if (put.acquire !== undefined) {
      if (!this.sessionExists(put.acquire)) throw new KvRequestError(`invalid session "${put.acquire}"`);
      if (existing?.Session !== undefined && existing.Session !== put.acquire) return false;
      if (existing?.Session !== put.acquire) {
        if ((this.lockDelays.get(key) ?? 0) > Date.now()) return false;
        lockIndex += 1;
        session = put.acquire;
      }
    } else if (put.release !== undefined) {
      if (!this.sessionExists(put.release)) throw new KvRequestError(`invalid session "${put.release}"`);
      if (existing?.Session !== put.release) return false;
      session = undefined;
    }
    const index = this.indexForWrite();
    const entry: KvEntry = {
      Key: key,
      Value: put.value.length > 0 ? put.value : null,
      Flags: put.flags ?? existing?.Flags ?? 0,
      CreateIndex: existing?.CreateIndex ?? index,
      ModifyIndex: index,
      LockIndex: lockIndex,
      ...(session !== undefined ? { Session: session } : {}),
    };
    this.entries.set(key, entry);
    this.tombstones.delete(key);
    this.wrote(index);
    return true;
  }

  /** A DELETE: with `cas`, only if the key is still at that ModifyIndex (a missing key counts as deleted). */
  delete(key: string, options: { recurse?: boolean; cas?: number }): boolean {
    if (options.cas !== undefined && !options.recurse) {
      const existing = this.entries.get(key);
      if (!existing || existing.ModifyIndex !== options.cas) return existing === undefined;
    }
    const doomed = options.recurse ? [...this.entries.keys()].filter((candidate) => candidate.startsWith(key)) : this.entries.has(key) ? [key] : [];
    if (doomed.length === 0) return true;
    const index = this.indexForWrite();
    for (const gone of doomed) {
      this.entries.delete(gone);
      this.tombstones.set(gone, index);
    }
    this.wrote(index);
    return true;
  }

  /**
   * A session was invalidated: its locks are released (behavior `release`) or its keys deleted
   * (`delete`), and none of them can be acquired for `lockDelayMs`.
   */
  sessionInvalidated(id: string, behavior: 'release' | 'delete', lockDelayMs: number): void {
    const held = [...this.entries.values()].filter((entry) => entry.Session === id);
    if (held.length === 0) return;
    const index = this.clock.next();
    const until = Date.now() + lockDelayMs;
    for (const entry of held) {
      if (lockDelayMs > 0) this.lockDelays.set(entry.Key, until);
      if (behavior === 'delete') {
        this.entries.delete(entry.Key);
        this.tombstones.set(entry.Key, index);
      } else {
        delete entry.Session;
        entry.ModifyIndex = index;
      }
    }
    this.wrote(index);
  }

  private indexForWrite(): number {
    return this.batchIndex ?? this.clock.next();
  }

  private wrote(index: number): void {
    if (this.batchIndex !== undefined) return;
    this.tableIndex = index;
    this.clock.changed();
  }
}
