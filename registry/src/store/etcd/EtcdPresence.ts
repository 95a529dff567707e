/**
 * Registry replicas' runner leases, shared through etcd: each replica writes the runners that
 * heartbeat to it under `<prefix>/members/<replica id>`, attached to an etcd lease of its own
 * (TTL, kept alive by the client; revoked on close, so the key goes with a replica that dies
 * or stops), and follows the other replicas' keys with a watch on the folder.
 */
import { randomUUID } from 'node:crypto';
import type { Lease } from 'etcd3';
import { followEtcd, type EtcdConnection, type Logger } from '@infermesh/common';
import { PublishingPresence, publishedRunners } from '../PublishingPresence.js';

/** Where and how long. */
export interface EtcdPresenceOptions {
  /** The folder of the replicas' keys, ending in `/`. */
  root: string;
  ttlSeconds: number;
  /** This replica's address, written beside its runners for operators. */
  holder: string;
}

export class EtcdPresence extends PublishingPresence {
  private readonly key: string;
  private lease: Lease | undefined;
  private unfollow: (() => void) | undefined;

  constructor(
    private readonly connect: () => Promise<EtcdConnection>,
    private readonly options: EtcdPresenceOptions,
    logger: Logger,
  ) {
    super(options.holder, logger);
    this.key = `${options.root}${randomUUID()}`;
  }

  start(onRemote: (runners: Set<string>) => void): void {
    const report = this.onChangeOnly(onRemote);
    // Every replica's runners by key, this one's included (left out of what is reported).
    const members = new Map<string, string[]>();
    const reportOthers = () => report(new Set([...members].flatMap(([key, runners]) => (key === this.key ? [] : runners))));
    void this.connect()
      .then(({ client }) => {
        if (this.stopping.signal.aborted) return;
        this.unfollow = followEtcd(
          client,
          { prefix: this.options.root },
          {
            snapshot: (kvs) => {
              members.clear();
              for (const kv of kvs) members.set(kv.key.toString(), publishedRunners(kv.value.toString()));
              reportOthers();
            },
            change: (type, kv) => {
              if (type === 'put') members.set(kv.key.toString(), publishedRunners(kv.value.toString()));
              else members.delete(kv.key.toString());
              reportOthers();
            },
          },
          { what: "the other replicas' runners", logger: this.logger },
        );
      })
      .catch((error: unknown) => this.logger.error({ err: error }, "could not connect to etcd to follow the other replicas' runners"));
    this.schedule();
  }

  async close(): Promise<void> {
    this.unfollow?.();
    await this.stopWriting();
    const lease = this.lease;
    this.lease = undefined;
    // Revoking the lease deletes this replica's key.
    await lease?.revoke().catch((error: unknown) => this.logger.warn({ err: error }, 'could not revoke the registry presence lease'));
  }

  protected async write(value: string): Promise<void> {
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
    await this.lease.put(this.key).value(value).exec();
  }
}
