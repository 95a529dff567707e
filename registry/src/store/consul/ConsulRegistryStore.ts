/**
 * The registry's state in Consul KV, shared by several registry replicas (see state-layout.ts
 * for the keys). A save is a check-and-set of the head on its ModifyIndex in a transaction
 * (`/v1/txn`), so two replicas never both save over the same revision: the loser gets a
 * StoreConflictError, reloads and re-runs its change. Changes by other replicas arrive
 * through a blocking query on the head.
 */
import { randomUUID } from 'node:crypto';
import { consulStatus, withIndex, type ConsulConnection, type Logger } from '@infermesh/common';
import { registryStateSchema, type RegistryState } from '../../state/registry-state.js';
import { StoreConflictError, type RegistryStore, type StoredState } from '../RegistryStore.js';
import { ConsulLeadership } from './ConsulLeadership.js';
import { ConsulPresence } from './ConsulPresence.js';
import { HEAD_FORMAT, INLINE_MAX_BYTES, layout, MAX_STATE_BYTES, saveId, savedAtOf, sha256, split, type StateHead } from './state-layout.js';
import { abortableSleep } from './abortable-sleep.js';

/** What the store is told by `registry.store`. */
export interface ConsulStoreOptions {
  prefix: string;
  sessionTtlSeconds: number;
}

/** A KV entry as the client returns it with `buffer: true`. */
interface KvItem {
  Key: string;
  ModifyIndex: number;
  Value: Buffer | null;
  Session?: string;
}

/** How long a blocking query on the head waits before it asks again. */
const WATCH_WAIT_S = 30;
/** Chunk folders older than this, and named by no head, are leftovers of a writer that died mid-save. */
const ORPHAN_AGE_MS = 10 * 60_000;
/** Reads of a head whose chunks were replaced meanwhile, before giving up. */
const READ_ATTEMPTS = 5;

export class ConsulRegistryStore implements RegistryStore {
  readonly description: string;
  private readonly keys;
  private connection: Promise<ConsulConnection> | undefined;
  /** The head this store last loaded or saved: its revision, and its chunks (to delete once replaced). */
  private known: { revision: number; id: string; chunks: number } | undefined;
  private readonly watches = new Set<AbortController>();

  constructor(
    private readonly connect: () => Promise<ConsulConnection>,
    private readonly options: ConsulStoreOptions,
    address: string,
    private readonly logger: Logger,
  ) {
    this.keys = layout(options.prefix);
    this.description = `consul ${address} key ${this.keys.head}`;
  }

  /** Elects the placement leader with a session lock on `<prefix>/leader`. */
  readonly leadership = (holder: string, logger: Logger) =>
    new ConsulLeadership(() => this.client(), { key: this.keys.leader, ttlSeconds: this.options.sessionTtlSeconds, holder }, logger);

  /** Shares the replicas' runner leases under `<prefix>/members/`. */
  readonly presence = (holder: string, logger: Logger) =>
    new ConsulPresence(() => this.client(), { root: this.keys.members, ttlSeconds: this.options.sessionTtlSeconds, holder }, logger);

  async load(): Promise<StoredState | undefined> {
    const stored = await this.read();
    await this.sweepOrphans().catch((error: unknown) => this.logger.warn({ err: error, store: this.description }, 'could not sweep leftover state chunks'));
    return stored;
  }

  async save(state: RegistryState, expectedRevision: number): Promise<number> {
    const { client } = await this.client();
    const json = Buffer.from(JSON.stringify(state));
    if (json.length > MAX_STATE_BYTES) throw new Error(`${this.description}: the state is ${json.length} bytes, over the ${MAX_STATE_BYTES}-byte limit`);
    const id = saveId(Date.now(), randomUUID());
    const inline = json.length <= INLINE_MAX_BYTES;
    const pieces = inline ? [] : split(json);
    const head: StateHead = { format: HEAD_FORMAT, id, savedAtMs: Date.now(), bytes: json.length, sha256: sha256(json), chunks: pieces.length, ...(inline ? { state } : {}) };
    // Chunks first: nothing names them until the head does, so a failure here changes nothing.
    for (const [index, piece] of pieces.entries()) {
      if ((await client.kv.set({ key: this.keys.chunk(id, index), value: piece })) !== true) throw new Error(`${this.description}: Consul refused chunk ${index} of save ${id}`);
    }
    let revision: number;
    try {
      const answer = (await client.transaction.create([
        { KV: { Verb: 'cas', Key: this.keys.head, Value: Buffer.from(JSON.stringify(head)).toString('base64'), Index: expectedRevision } },
      ] as never)) as { Results?: { KV: { ModifyIndex: number } }[] };
      revision = answer.Results?.[0]?.KV.ModifyIndex ?? 0;
      if (!revision) throw new Error(`${this.description}: Consul answered the save without the head's index`);
    } catch (error) {
      if (pieces.length > 0) await this.deleteChunks(id);
      if (consulStatus(error) === 409) throw new StoreConflictError(`${this.description}: another replica saved since revision ${expectedRevision}`);
      throw error;
    }
    const replaced = this.known;
    this.known = { revision, id, chunks: pieces.length };
    // The head replaced here named these chunks (this store knew it at expectedRevision): nothing needs them now.
    if (replaced && replaced.revision === expectedRevision && replaced.chunks > 0) await this.deleteChunks(replaced.id);
    return revision;
  }

  watch(listener: (stored: StoredState) => void): () => void {
    const controller = new AbortController();
    this.watches.add(controller);
    void this.follow(listener, controller.signal).finally(() => this.watches.delete(controller));
    return () => controller.abort();
  }

  async close(): Promise<void> {
    for (const watch of this.watches) watch.abort();
    const connection = await this.connection?.catch(() => undefined);
    connection?.close();
  }

  private client(): Promise<ConsulConnection> {
    this.connection ??= this.connect();
    return this.connection;
  }

  /** The stored state, read consistently: a head whose chunks went meanwhile is read again. */
  private async read(): Promise<StoredState | undefined> {
    const { client } = await this.client();
    for (let attempt = 1; ; attempt++) {
      const entry = (await client.kv.get({ key: this.keys.head, buffer: true } as never)) as KvItem | undefined;
      if (!entry) return undefined;
      const stored = await this.decode(entry);
      if (stored) return stored;
      if (attempt >= READ_ATTEMPTS) throw new Error(`${this.description}: the state's chunks keep changing under the reader`);
    }
  }

  /** The state a head entry names; undefined when its chunks are gone (a newer save replaced them). */
  private async decode(entry: KvItem): Promise<StoredState | undefined> {
    let head: StateHead;
    try {
      head = JSON.parse((entry.Value ?? Buffer.alloc(0)).toString('utf8')) as StateHead;
    } catch (error) {
      throw new Error(`${this.description}: not valid JSON (${(error as Error).message})`);
    }
    if (head?.format !== HEAD_FORMAT || typeof head.id !== 'string' || !Number.isInteger(head.chunks)) {
      throw new Error(`${this.description}: not a registry state head of format ${HEAD_FORMAT}`);
    }
    if (head.bytes > MAX_STATE_BYTES) throw new Error(`${this.description}: a state of ${head.bytes} bytes is over the ${MAX_STATE_BYTES}-byte limit`);
    let raw: unknown = head.state;
    if (head.chunks > 0) {
      const { client } = await this.client();
      const items = ((await client.kv.get({ key: this.keys.chunks(head.id), recurse: true, buffer: true } as never)) ?? []) as KvItem[];
      const json = Buffer.concat(items.map((item) => item.Value ?? Buffer.alloc(0)));
      if (items.length !== head.chunks || json.length !== head.bytes || sha256(json) !== head.sha256) return undefined;
      raw = JSON.parse(json.toString('utf8'));
    }
    const state = registryStateSchema.safeParse(raw);
    if (!state.success) {
      const problem = state.error.issues[0]!;
      throw new Error(`${this.description}: state.${problem.path.join('.')}: ${problem.message}`);
    }
    // A watch may finish reading an older head after a save: the newest one stays known.
    if (entry.ModifyIndex > (this.known?.revision ?? 0)) this.known = { revision: entry.ModifyIndex, id: head.id, chunks: head.chunks };
    return { state: state.data, revision: entry.ModifyIndex };
  }

  /** Blocking queries on the head; each newer head is read whole and handed to `listener`. */
  private async follow(listener: (stored: StoredState) => void, signal: AbortSignal): Promise<void> {
    let index = 0;
    let failures = 0;
    while (!signal.aborted) {
      try {
        const { client } = await this.client();
        const answer = await withIndex<KvItem>(
          (ctx) => client.kv.get({ key: this.keys.head, buffer: true, index: String(index), wait: `${WATCH_WAIT_S}s`, timeout: (WATCH_WAIT_S + 5) * 1_000, ctx } as never),
          signal,
        );
        // An index that went backwards (a restored snapshot) starts the watch over.
        index = answer.index < index ? 0 : answer.index;
        failures = 0;
        const entry = answer.body;
        if (!entry || entry.ModifyIndex === this.known?.revision) continue;
        const stored = await this.decode(entry);
        if (stored) listener(stored);
      } catch (error) {
        if (signal.aborted) return;
        failures += 1;
        this.logger.warn({ err: error, store: this.description, failures }, 'watching the registry state failed; retrying');
        await abortableSleep(Math.min(30_000, 100 * 2 ** failures) * (0.5 + Math.random() / 2), signal);
      }
    }
  }

  private async deleteChunks(id: string): Promise<void> {
    const { client } = await this.client();
    await client.kv.del({ key: this.keys.chunks(id), recurse: true }).catch((error: unknown) => this.logger.warn({ err: error, store: this.description, id }, 'could not delete replaced state chunks'));
  }

  /** Deletes chunk folders no head names that are old enough to be no save in flight. */
  private async sweepOrphans(): Promise<void> {
    const { client } = await this.client();
    const folders = (await client.kv.keys({ key: this.keys.chunksRoot, separator: '/' }).catch((error: unknown) => {
      if (consulStatus(error) === 404) return [];
      throw error;
    })) as string[];
    for (const folder of folders ?? []) {
      const id = folder.slice(this.keys.chunksRoot.length).replace(/\/$/, '');
      const savedAt = savedAtOf(id);
      if (id === this.known?.id || savedAt === undefined || Date.now() - savedAt < ORPHAN_AGE_MS) continue;
      await this.deleteChunks(id);
    }
  }
}
