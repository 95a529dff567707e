/**
 * The registry's state in Consul KV, shared by several registry replicas (see state-layout.ts
 * for the keys, ChunkedStateStore for saves and reads). A save is a check-and-set of the head
 * on its ModifyIndex in a transaction (`/v1/txn`). Changes by other replicas arrive through a
 * blocking query on the head.
 */
import { abortableSleep, consulStatus, withIndex, type ConsulConnection, type Logger } from '@infermesh/common';
import { ChunkedStateStore, type HeadEntry } from '../ChunkedStateStore.js';
import type { RegistryStore, StoredState } from '../RegistryStore.js';
import { ConsulLeadership } from './ConsulLeadership.js';
import { ConsulPresence } from './ConsulPresence.js';

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
/**
 * The head travels in a transaction, whose whole request (base64 values) Consul holds to
 * 512 KiB (`txn_max_req_len`); a chunk stays under Consul's 512 KiB value limit.
 */
const CONSUL_LIMITS = { inlineMaxBytes: 256 * 1024, chunkBytes: 384 * 1024 };

export class ConsulRegistryStore extends ChunkedStateStore implements RegistryStore {
  private connection: Promise<ConsulConnection> | undefined;
  private readonly watches = new Set<AbortController>();

  constructor(
    private readonly connect: () => Promise<ConsulConnection>,
    private readonly options: ConsulStoreOptions,
    address: string,
    logger: Logger,
  ) {
    super(`consul ${address} key ${options.prefix}/state`, options.prefix, CONSUL_LIMITS, logger);
  }

  /** Elects the placement leader with a session lock on `<prefix>/leader`. */
  readonly leadership = (holder: string, logger: Logger) =>
    new ConsulLeadership(() => this.client(), { key: this.keys.leader, ttlSeconds: this.options.sessionTtlSeconds, holder }, logger);

  /** Shares the replicas' runner leases under `<prefix>/members/`. */
  readonly presence = (holder: string, logger: Logger) =>
    new ConsulPresence(() => this.client(), { root: this.keys.members, ttlSeconds: this.options.sessionTtlSeconds, holder }, logger);

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

  protected async readHead(): Promise<HeadEntry | undefined> {
    const { client } = await this.client();
    const entry = (await client.kv.get({ key: this.keys.head, buffer: true } as never)) as KvItem | undefined;
    return entry ? headOf(entry) : undefined;
  }

  /** Consul KV keeps no history: the chunks as they are now (checked against the head by the caller). */
  protected async readChunks(id: string): Promise<Buffer[]> {
    const { client } = await this.client();
    const items = ((await client.kv.get({ key: this.keys.chunks(id), recurse: true, buffer: true } as never)) ?? []) as KvItem[];
    return items.map((item) => item.Value ?? Buffer.alloc(0));
  }

  protected async writeChunk(id: string, index: number, piece: Buffer): Promise<void> {
    const { client } = await this.client();
    if ((await client.kv.set({ key: this.keys.chunk(id, index), value: piece })) !== true) throw new Error(`${this.description}: Consul refused chunk ${index} of save ${id}`);
  }

  protected async swapHead(value: Buffer, expectedRevision: number): Promise<number | 'conflict'> {
    const { client } = await this.client();
    try {
      const answer = (await client.transaction.create([{ KV: { Verb: 'cas', Key: this.keys.head, Value: value.toString('base64'), Index: expectedRevision } }] as never)) as {
        Results?: { KV: { ModifyIndex: number } }[];
      };
      const revision = answer.Results?.[0]?.KV.ModifyIndex ?? 0;
      if (!revision) throw new Error(`${this.description}: Consul answered the save without the head's index`);
      return revision;
    } catch (error) {
      if (consulStatus(error) === 409) return 'conflict';
      throw error;
    }
  }

  protected async removeChunks(id: string): Promise<void> {
    const { client } = await this.client();
    await client.kv.del({ key: this.keys.chunks(id), recurse: true });
  }

  protected async chunkIds(): Promise<string[]> {
    const { client } = await this.client();
    const folders = (await client.kv.keys({ key: this.keys.chunksRoot, separator: '/' }).catch((error: unknown) => {
      if (consulStatus(error) === 404) return [];
      throw error;
    })) as string[];
    return (folders ?? []).map((folder) => folder.slice(this.keys.chunksRoot.length).replace(/\/$/, ''));
  }

  private client(): Promise<ConsulConnection> {
    this.connection ??= this.connect();
    return this.connection;
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
        if (!entry || entry.ModifyIndex === this.knownRevision) continue;
        const stored = await this.decode(headOf(entry));
        if (stored) listener(stored);
      } catch (error) {
        if (signal.aborted) return;
        failures += 1;
        this.logger.warn({ err: error, store: this.description, failures }, 'watching the registry state failed; retrying');
        await abortableSleep(Math.min(30_000, 100 * 2 ** failures) * (0.5 + Math.random() / 2), signal);
      }
    }
  }
}

function headOf(entry: KvItem): HeadEntry {
  return { value: entry.Value ?? Buffer.alloc(0), revision: entry.ModifyIndex };
}
