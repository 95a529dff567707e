/**
 * The registry's state in etcd under `<etcd.prefix>/registry/`, shared by several registry
 * replicas (see state-layout.ts for the keys, ChunkedStateStore for saves and reads). A save
 * is a transaction that puts the head only if its mod_revision is still the one the registry
 * last saw (create_revision 0 for the first save), so two replicas never both save over the
 * same revision. Chunks are read at the head's revision (etcd keeps history), so a reader
 * never mixes two saves. Changes by other replicas arrive through a watch on the head that
 * resumes from the last revision seen (see followEtcd in common).
 */
import type { Etcd3, IKeyValue } from 'etcd3';
import { followEtcd, type EtcdConnection, type Logger } from '@infermesh/common';
import { ChunkedStateStore, type HeadEntry } from '../ChunkedStateStore.js';
import type { RegistryStore, StoredState } from '../RegistryStore.js';
import { EtcdLeadership } from './EtcdLeadership.js';
import { EtcdPresence } from './EtcdPresence.js';

/** What the store is told: its key prefix (`<etcd.prefix>/registry`) and `registry.store.leaseTtlSeconds`. */
export interface EtcdStoreOptions {
  prefix: string;
  leaseTtlSeconds: number;
}

/**
 * etcd refuses a request over `--max-request-bytes` (1.5 MiB by default): a state up to 1 MiB
 * rides in the head's transaction, a larger one goes in chunks of 1 MiB.
 */
const ETCD_LIMITS = { inlineMaxBytes: 1024 * 1024, chunkBytes: 1024 * 1024 };

/** The head's transaction: put `value` only where the head's revision is still `expectedRevision` (0: no head yet). */
export function headSwap(client: Etcd3, key: string, value: Buffer, expectedRevision: number) {
  const compare = expectedRevision === 0 ? client.if(key, 'Create', '==', 0) : client.if(key, 'Mod', '==', expectedRevision);
  return compare.then(client.put(key).value(value));
}

export class EtcdRegistryStore extends ChunkedStateStore implements RegistryStore {
  private connection: Promise<EtcdConnection> | undefined;
  private readonly follows = new Set<() => void>();

  constructor(
    private readonly connect: () => Promise<EtcdConnection>,
    private readonly options: EtcdStoreOptions,
    endpoints: string,
    logger: Logger,
  ) {
    super(`etcd ${endpoints} key ${options.prefix}/state`, options.prefix, ETCD_LIMITS, logger);
  }

  /** Elects the placement leader with etcd's election API under `<prefix>/election/leader/`, on a lease. */
  readonly leadership = (holder: string, logger: Logger) =>
    new EtcdLeadership(() => this.client(), { prefix: this.options.prefix, ttlSeconds: this.options.leaseTtlSeconds, holder }, logger);

  /** Shares the replicas' runner leases under `<prefix>/members/`, each replica's key on a lease of its own. */
  readonly presence = (holder: string, logger: Logger) =>
    new EtcdPresence(() => this.client(), { root: this.keys.members, ttlSeconds: this.options.leaseTtlSeconds, holder }, logger);

  watch(listener: (stored: StoredState) => void): () => void {
    let stop: (() => void) | undefined;
    let stopped = false;
    const take = async (kv: IKeyValue | undefined) => {
      const revision = Number(kv?.mod_revision ?? 0);
      // This store saved or loaded it (or a newer head) itself.
      if (!kv || revision <= this.knownRevision) return;
      const stored = await this.decode({ value: kv.value, revision });
      if (stored) listener(stored);
    };
    const known = this.knownRevision;
    void this.client()
      .then(({ client }) => {
        if (stopped) return;
        stop = followEtcd(
          client,
          { key: this.keys.head },
          { snapshot: (kvs) => take(kvs[0]), change: (type, kv) => (type === 'put' ? take(kv) : this.logger.warn({ store: this.description }, 'the registry state head was deleted')) },
          { ...(known > 0 ? { fromRevision: known + 1 } : {}), what: 'the registry state', logger: this.logger },
        );
        this.follows.add(stop);
      })
      .catch((error: unknown) => this.logger.error({ err: error, store: this.description }, 'could not connect to etcd to follow the registry state'));
    return () => {
      stopped = true;
      stop?.();
      if (stop) this.follows.delete(stop);
    };
  }

  async close(): Promise<void> {
    for (const stop of this.follows) stop();
    this.follows.clear();
    const connection = await this.connection?.catch(() => undefined);
    connection?.close();
  }

  protected async readHead(): Promise<HeadEntry | undefined> {
    const { client } = await this.client();
    const [kv] = (await client.get(this.keys.head).exec()).kvs;
    return kv ? { value: kv.value, revision: Number(kv.mod_revision) } : undefined;
  }

  protected async readChunks(id: string, revision: number): Promise<Buffer[]> {
    const { client } = await this.client();
    const range = () => client.getAll().prefix(this.keys.chunks(id)).sort('Key', 'Ascend');
    try {
      return (await range().revision(revision).exec()).kvs.map((kv) => kv.value);
    } catch (error) {
      if (!/compacted/i.test((error as Error)?.message ?? '')) throw error;
      // History before a compaction is gone, but chunks are never changed: the ones there now,
      // checked against the head's sha256 by the caller, are the head's unless a newer save replaced them.
      return (await range().exec()).kvs.map((kv) => kv.value);
    }
  }

  protected async writeChunk(id: string, index: number, piece: Buffer): Promise<void> {
    const { client } = await this.client();
    await client.put(this.keys.chunk(id, index)).value(piece).exec();
  }

  protected async swapHead(value: Buffer, expectedRevision: number): Promise<number | 'conflict'> {
    const { client } = await this.client();
    const result = await headSwap(client, this.keys.head, value, expectedRevision).commit();
    return result.succeeded ? Number(result.header.revision) : 'conflict';
  }

  protected async removeChunks(id: string): Promise<void> {
    const { client } = await this.client();
    await client.delete().prefix(this.keys.chunks(id)).exec();
  }

  protected async chunkIds(): Promise<string[]> {
    const { client } = await this.client();
    const keys = await client.getAll().prefix(this.keys.chunksRoot).keys();
    return [...new Set(keys.map((key) => key.slice(this.keys.chunksRoot.length).split('/')[0]!))];
  }

  protected client(): Promise<EtcdConnection> {
    this.connection ??= this.connect();
    return this.connection;
  }
}
