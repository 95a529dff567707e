/**
 * Registry replicas' runner leases, shared through etcd: each replica writes the runners that
 * heartbeat to it under `<prefix>/members/<replica id>`, attached to an etcd lease of its own
 * (TTL, kept alive by the client; revoked on close, so the key goes with a replica that dies
 * or stops), and follows the other replicas' keys with a watch on the folder.
 */
import { randomUUID } from 'node:crypto';
import type { IKeyValue, Lease } from 'etcd3';
import type { EtcdConnection, Logger } from '@infermesh/common';
import type { ReplicaPresence } from '../../placement/ReplicaPresence.js';
import { abortableSleep } from '../abortable-sleep.js';
import { followEtcd } from './etcd-follow.js';

/** Where and how long. */
export interface EtcdPresenceOptions {
  /** The folder of the replicas' keys, ending in `/`. */
  root: string;
  ttlSeconds: number;
  /** This replica's address, written beside its runners for operators. */
  holder: string;
}

export class EtcdPresence implements ReplicaPresence {
  private readonly key: string;
  private lease: Lease | undefined;
  private runners: string[] = [];
  private writing: Promise<void> = Promise.resolve();
  private dirty = false;
  private readonly stopping = new AbortController();
  private unfollow: (() => void) | undefined;

  constructor(
    private readonly connect: () => Promise<EtcdConnection>,
    private readonly options: EtcdPresenceOptions,
    private readonly logger: Logger,
  ) {
    this.key = `${options.root}${randomUUID()}`;
  }

  start(onRemote: (runners: Set<string>) => void): void {
    void this.connect()
      .then(({ client }) => {
        if (this.stopping.signal.aborted) return;
        const members = new Map<string, string[]>();
        let last = '';
        const report = () => {
          const remote = new Set<string>();
          for (const [key, runners] of members) if (key !== this.key) for (const runner of runners) remote.add(runner);
          const json = JSON.stringify([...remote].sort());
          if (json === last) return;
          last = json;
          onRemote(remote);
        };
        this.unfollow = followEtcd(
          client,
          { prefix: this.options.root },
          {
            snapshot: (kvs) => {
              members.clear();
              for (const kv of kvs) members.set(kv.key.toString(), parse(kv));
              report();
            },
            change: (type, kv) => {
              if (type === 'put') members.set(kv.key.toString(), parse(kv));
              else members.delete(kv.key.toString());
              report();
            },
          },
          { what: "the other replicas' runners", logger: this.logger },
        );
      })
      .catch((error: unknown) => this.logger.error({ err: error }, "could not connect to etcd to follow the other replicas' runners"));
    this.schedule();
  }

  publish(runners: string[]): void {
    this.runners = [...runners];
    this.schedule();
  }

  async close(): Promise<void> {
    this.stopping.abort();
    this.unfollow?.();
    await this.writing;
    const lease = this.lease;
    this.lease = undefined;
    // Revoking the lease deletes this replica's key.
    await lease?.revoke().catch((error: unknown) => this.logger.warn({ err: error }, 'could not revoke the registry presence lease'));
  }

  /** Writes the runners soon; writes never overlap, and a burst of changes makes one more write. */
  private schedule(): void {
    if (this.stopping.signal.aborted) return;
    this.dirty = true;
    this.writing = this.writing.then(() => this.write());
  }

  private async write(): Promise<void> {
    if (!this.dirty || this.stopping.signal.aborted) return;
    this.dirty = false;
    try {
      const { client } = await this.connect();
      if (!this.lease || this.lease.revoked()) {
        const lease = client.lease(this.options.ttlSeconds);
        // A lost lease took the key with it: a new one writes it again.
        lease.on('lost', () => {
          if (this.lease !== lease) return;
          this.lease = undefined;
          this.schedule();
        });
        this.lease = lease;
      }
      await this.lease.put(this.key).value(JSON.stringify({ holder: this.options.holder, runners: this.runners })).exec();
    } catch (error) {
      if (this.stopping.signal.aborted) return;
      this.logger.warn({ err: error }, "could not publish this replica's runners; retrying");
      await abortableSleep(1_000, this.stopping.signal);
      this.schedule();
    }
  }
}

/** The runner names in a replica's key; nothing for a value that is not one. */
function parse(kv: IKeyValue): string[] {
  try {
    const runners = (JSON.parse(kv.value.toString('utf8')) as { runners?: unknown }).runners;
    return Array.isArray(runners) ? runners.filter((runner): runner is string => typeof runner === 'string').slice(0, 100_000) : [];
  } catch {
    return [];
  }
}
