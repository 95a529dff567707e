/**
 * The placement leader among registry replicas on one Consul: a Consul session (TTL, renewed
 * every third of it, behavior release, no lock delay) holding the lock on `<prefix>/leader`.
 * Followers watch the key with blocking queries and take the lock once its session is gone:
 * destroyed by a leader that stops, or lapsed when a leader died. A leader that could not
 * renew for a whole TTL steps down by itself, since Consul may have ended its session by then.
 */
import { abortableSleep, consulStatus, withIndex, type ConsulConnection, type Logger } from '@infermesh/common';
import { LeaderState, type Leadership } from '../../leadership/Leadership.js';

/** What the election is about. */
export interface ConsulLeadershipOptions {
  /** The lock's key. */
  key: string;
  ttlSeconds: number;
  /** Who this replica is (its address), written into the lock for operators. */
  holder: string;
}

interface LockEntry {
  Session?: string;
  ModifyIndex: number;
}

export class ConsulLeadership extends LeaderState implements Leadership {
  private session: string | undefined;
  /** When the session was created or last renewed (the request's start). */
  private renewedAtMs = 0;
  private readonly stopping = new AbortController();
  private renewTimer: NodeJS.Timeout | undefined;
  private campaign: Promise<void> | undefined;

  constructor(
    private readonly connect: () => Promise<ConsulConnection>,
    private readonly options: ConsulLeadershipOptions,
    private readonly logger: Logger,
  ) {
    super();
  }

  start(): void {
    const ttlMs = this.options.ttlSeconds * 1_000;
    this.renewTimer = setInterval(() => void this.renew(), Math.max(100, Math.floor(ttlMs / 3)));
    this.renewTimer.unref();
    this.campaign = this.run();
  }

  async close(): Promise<void> {
    this.stopping.abort();
    clearInterval(this.renewTimer);
    await this.campaign;
    const session = this.session;
    this.session = undefined;
    this.setLeader(false);
    // Destroying the session releases the lock now: another replica leads without waiting for the TTL.
    if (session) await (await this.connect()).client.session.destroy(session).catch((error: unknown) => this.logger.warn({ err: error }, 'could not end the registry leader session'));
  }

  /** Campaigns until closed: holds a session, and takes the lock whenever it is free. */
  private async run(): Promise<void> {
    const { signal } = this.stopping;
    let index = 0;
    let failures = 0;
    while (!signal.aborted) {
      try {
        const { client } = await this.connect();
        const session = await this.ensureSession(client);
        const lock = await withIndex<LockEntry>(
          (ctx) => client.kv.get({ key: this.options.key, index: String(index), wait: `${this.options.ttlSeconds}s`, timeout: (this.options.ttlSeconds + 5) * 1_000, ctx } as never),
          signal,
        );
        if (signal.aborted) return;
        index = lock.index < index ? 0 : lock.index;
        failures = 0;
        const holder = lock.body?.Session;
        if (holder === undefined) {
          const value = JSON.stringify({ holder: this.options.holder, sinceMs: Date.now() });
          const acquired = (await client.kv.set({ key: this.options.key, value, acquire: session })) === true;
          if (acquired) this.logger.info({ holder: this.options.holder, lock: this.options.key }, 'this registry replica leads placement');
          this.setLeader(acquired && this.session === session);
        } else {
          this.setLeader(holder === session);
        }
      } catch (error) {
        if (signal.aborted) return;
        failures += 1;
        this.logger.warn({ err: error, failures }, 'registry leader election: Consul call failed; retrying');
        this.stepDownIfLapsed();
        await abortableSleep(Math.min(this.options.ttlSeconds * 1_000, 100 * 2 ** failures) * (0.5 + Math.random() / 2), signal);
      }
    }
  }

  private async ensureSession(client: ConsulConnection['client']): Promise<string> {
    if (this.session) return this.session;
    const startedAt = Date.now();
    const { ID } = await client.session.create({
      name: `infermesh registry ${this.options.holder}`.slice(0, 200),
      ttl: `${this.options.ttlSeconds}s`,
      behavior: 'release',
      // No lock delay: a leader that loses its session steps down within the TTL by itself (renew()).
      lockdelay: '0s',
    });
    this.session = ID;
    this.renewedAtMs = startedAt;
    return ID;
  }

  private async renew(): Promise<void> {
    const session = this.session;
    if (!session || this.stopping.signal.aborted) return;
    const startedAt = Date.now();
    try {
      await (await this.connect()).client.session.renew(session);
      if (this.session === session) this.renewedAtMs = startedAt;
    } catch (error) {
      if (consulStatus(error) === 404 && this.session === session) {
        // Consul ended the session (TTL passed, or an operator destroyed it): its lock is gone.
        this.logger.warn({ holder: this.options.holder }, 'registry leader session ended; campaigning again');
        this.session = undefined;
        this.setLeader(false);
        return;
      }
      this.logger.warn({ err: error }, 'could not renew the registry leader session');
      this.stepDownIfLapsed();
    }
  }

  /** Not renewed for a whole TTL: Consul may have ended the session and let another replica lead. */
  private stepDownIfLapsed(): void {
    if (this.session && Date.now() - this.renewedAtMs >= this.options.ttlSeconds * 1_000) {
      this.session = undefined;
      this.setLeader(false);
    }
  }

  protected override setLeader(leader: boolean): void {
    if (leader === this.isLeader) return;
    if (!leader) this.logger.info({ holder: this.options.holder }, 'this registry replica no longer leads placement');
    super.setLeader(leader);
  }
}
