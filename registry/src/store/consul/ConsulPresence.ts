/**
 * Registry replicas' runner leases, shared through Consul KV: each replica writes the runners
 * that heartbeat to it under `<prefix>/members/<replica id>`, held by a session of its own
 * (TTL, renewed, behavior delete, so the key goes with a replica that dies or stops), and
 * follows the other replicas' keys with blocking queries.
 */
import { randomUUID } from 'node:crypto';
import { abortableSleep, consulStatus, withIndex, type ConsulConnection, type Logger } from '@infermesh/common';
import { PublishingPresence, publishedRunners } from '../PublishingPresence.js';

/** Where and how long. */
export interface ConsulPresenceOptions {
  /** The folder of the replicas' keys, ending in `/`. */
  root: string;
  ttlSeconds: number;
  /** This replica's address, written beside its runners for operators. */
  holder: string;
}

interface MemberEntry {
  Key: string;
  Value: string | null;
  Session?: string;
}

export class ConsulPresence extends PublishingPresence {
  private readonly key: string;
  private session: string | undefined;
  private renewTimer: NodeJS.Timeout | undefined;
  private following: Promise<void> | undefined;

  constructor(
    private readonly connect: () => Promise<ConsulConnection>,
    private readonly options: ConsulPresenceOptions,
    logger: Logger,
  ) {
    super(options.holder, logger);
    this.key = `${options.root}${randomUUID()}`;
  }

  start(onRemote: (runners: Set<string>) => void): void {
    this.renewTimer = setInterval(() => void this.renew(), Math.max(100, Math.floor((this.options.ttlSeconds * 1_000) / 3)));
    this.renewTimer.unref();
    this.following = this.follow(onRemote);
    this.schedule();
  }

  async close(): Promise<void> {
    clearInterval(this.renewTimer);
    this.stopping.abort();
    await this.following;
    await this.stopWriting();
    const session = this.session;
    this.session = undefined;
    // Behavior delete: destroying the session deletes this replica's key.
    if (session) await (await this.connect()).client.session.destroy(session).catch((error: unknown) => this.logger.warn({ err: error }, 'could not end the registry presence session'));
  }

  protected async write(value: string): Promise<void> {
    const { client } = await this.connect();
    if (!this.session) {
      const { ID } = await client.session.create({ name: `infermesh registry runners ${this.options.holder}`.slice(0, 200), ttl: `${this.options.ttlSeconds}s`, behavior: 'delete', lockdelay: '0s' });
      this.session = ID;
    }
    if ((await client.kv.set({ key: this.key, value, acquire: this.session })) !== true) throw new Error(`Consul refused ${this.key}`);
  }

  private async renew(): Promise<void> {
    const session = this.session;
    if (!session) return;
    try {
      await (await this.connect()).client.session.renew(session);
    } catch (error) {
      if (consulStatus(error) !== 404 || this.session !== session) return;
      // The session ended (and took the key): a new one writes it again.
      this.session = undefined;
      this.schedule();
    }
  }

  /** Blocking queries on every replica's key; the others' runners go to `onRemote` when they change. */
  private async follow(onRemote: (runners: Set<string>) => void): Promise<void> {
    const { signal } = this.stopping;
    let index = 0;
    let failures = 0;
    const report = this.onChangeOnly(onRemote);
    while (!signal.aborted) {
      try {
        const { client } = await this.connect();
        const answer = await withIndex<MemberEntry[]>(
          (ctx) => client.kv.get({ key: this.options.root, recurse: true, index: String(index), wait: '30s', timeout: 35_000, ctx } as never),
          signal,
        );
        if (signal.aborted) return;
        index = answer.index < index ? 0 : answer.index;
        failures = 0;
        const remote = new Set<string>();
        for (const entry of answer.body ?? []) {
          if (entry.Key === this.key || !entry.Session || !entry.Value) continue;
          for (const runner of publishedRunners(entry.Value)) remote.add(runner);
        }
        report(remote);
      } catch (error) {
        if (signal.aborted) return;
        failures += 1;
        this.logger.warn({ err: error, failures }, "following the other replicas' runners failed; retrying");
        await abortableSleep(Math.min(30_000, 100 * 2 ** failures) * (0.5 + Math.random() / 2), signal);
      }
    }
  }
}
