/**
 * The placement leader among registry replicas on one etcd: etcd's election API (the
 * `etcd3` client's `election().campaign()`), its candidates' keys under
 * `<prefix>/election/leader/<lease id>`, each on a lease with the
 * store's TTL that the client keeps alive. The candidate whose key is oldest leads; the
 * others wait for the keys before theirs to go: revoked by a leader that stops (resign), or
 * expired with the lease of one that died. A leader that has not renewed its lease for
 * three quarters of the TTL steps down by itself, before etcd may have expired it and let
 * another lead; the client would only say so after twice the TTL.
 */
import type { Campaign, Etcd3, Lease } from 'etcd3';
import { abortableSleep, type EtcdConnection, type Logger } from '@infermesh/common';
import { LeaderState, type Leadership } from '../../leadership/Leadership.js';

/** What the election is about. */
export interface EtcdLeadershipOptions {
  /** The store's key prefix: the candidates' keys lie under `<prefix>/election/leader/`. */
  prefix: string;
  ttlSeconds: number;
  /** Who this replica is (its address), written into its candidate key for operators. */
  holder: string;
}

/**
 * The share of the TTL a lease may go unrenewed before its holder steps down. etcd expires a
 * lease a TTL after the last renewal it received and the next candidate leads moments later,
 * so the holder must let go earlier: the last quarter covers this check's own period (a tenth
 * of the TTL) and a late timer on a busy event loop. etcd3 renews every third of the TTL, so
 * one lost renewal is tolerated, two are not.
 */
const LAPSE_SHARE = 0.75;

/** The lease under a campaign: the client keeps it private, and this election needs its renewals. */
function leaseOf(campaign: Campaign): Lease {
  const lease = (campaign as unknown as { lease?: Lease }).lease;
  if (!lease || typeof lease.on !== 'function') throw new Error('etcd3 Campaign has no lease: this etcd3 version is not the one infermesh pins');
  return lease;
}

/** The placement election of the store under `prefix`; its `leader()` is the leading candidate's value (`{holder, sinceMs}`). */
export function placementElection(client: Etcd3, prefix: string, ttlSeconds?: number) {
  return client.namespace(`${prefix}/`).election('leader', ttlSeconds);
}

export class EtcdLeadership extends LeaderState implements Leadership {
  private campaign: Campaign | undefined;
  /** When the lease was granted or last renewed (the request's start). */
  private renewedAtMs = 0;
  private readonly stopping = new AbortController();
  private checkTimer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /** Set when the current campaign must end (lost lease, error): the loop starts another. */
  private ended: (() => void) | undefined;

  constructor(
    private readonly connect: () => Promise<EtcdConnection>,
    private readonly options: EtcdLeadershipOptions,
    private readonly logger: Logger,
  ) {
    super();
  }

  start(): void {
    const ttlMs = this.options.ttlSeconds * 1_000;
    this.checkTimer = setInterval(() => this.stepDownIfLapsed(), Math.max(50, Math.floor(ttlMs / 10)));
    this.checkTimer.unref();
    this.running = this.run();
  }

  async close(): Promise<void> {
    this.stopping.abort();
    clearInterval(this.checkTimer);
    this.ended?.();
    await this.running;
    const campaign = this.campaign;
    this.campaign = undefined;
    this.setLeader(false);
    // Resigning revokes the lease: its key goes now, and the next candidate leads without waiting for the TTL.
    await campaign?.resign().catch((error: unknown) => this.logger.warn({ err: error }, 'could not resign the registry leader campaign'));
  }

  /** Campaigns until closed; a campaign that ends (lease lost, error, stepped down) is followed by a new one. */
  private async run(): Promise<void> {
    const { signal } = this.stopping;
    let failures = 0;
    while (!signal.aborted) {
      const startedAt = Date.now();
      try {
        const { client } = await this.connect();
        if (signal.aborted) return;
        const value = JSON.stringify({ holder: this.options.holder, sinceMs: Date.now() });
        const campaign = placementElection(client, this.options.prefix, this.options.ttlSeconds).campaign(value);
        this.campaign = campaign;
        this.renewedAtMs = startedAt;
        const lease = leaseOf(campaign);
        let firedAtMs = startedAt;
        lease.on('keepaliveFired', () => (firedAtMs = Date.now()));
        lease.on('keepaliveSucceeded', () => {
          if (this.campaign === campaign) this.renewedAtMs = firedAtMs;
        });
        await new Promise<void>((resolve, reject) => {
          this.ended = resolve;
          campaign.on('elected', () => {
            // The client elects a campaign once the keys before its own are gone, without asking
            // whether its own is still there (its lease may have expired meanwhile): check that first.
            void this.ownKeyHeld(client, campaign).then((held) => {
              if (this.campaign !== campaign || signal.aborted) return;
              if (!held) return this.ended?.();
              failures = 0;
              this.logger.info({ holder: this.options.holder, election: this.options.prefix }, 'this registry replica leads placement');
              this.setLeader(true);
            }, reject);
          });
          campaign.on('error', reject);
        });
        if (signal.aborted) return;
      } catch (error) {
        if (signal.aborted) return;
        failures += 1;
        this.logger.warn({ err: error, failures }, 'registry leader election: etcd campaign failed; campaigning again');
      }
      // This campaign is over: not leading on it, and its lease (if etcd still has it) goes.
      const over = this.campaign;
      this.campaign = undefined;
      this.setLeader(false);
      void over?.resign().catch(() => undefined);
      await abortableSleep(Math.min(this.options.ttlSeconds * 1_000, 100 * 2 ** failures) * (0.5 + Math.random() / 2), signal);
    }
  }

  /** How long the lease may go unrenewed before this replica lets go of it. */
  private get lapseMs(): number {
    return this.options.ttlSeconds * 1_000 * LAPSE_SHARE;
  }

  /** Whether `campaign`'s key is there, on a lease renewed recently enough to hold. */
  private async ownKeyHeld(client: Etcd3, campaign: Campaign): Promise<boolean> {
    const checkedAt = Date.now();
    const key = await campaign.getCampaignKey();
    const exists = (await client.get(key).exec()).kvs.length > 0;
    return exists && checkedAt - this.renewedAtMs < this.lapseMs;
  }

  /**
   * Not renewed for {@link LAPSE_SHARE} of the TTL: etcd may soon expire the lease and let
   * another replica lead. A leader steps down; a candidate starts over on a new lease.
   */
  private stepDownIfLapsed(): void {
    if (!this.campaign || Date.now() - this.renewedAtMs < this.lapseMs) return;
    if (this.isLeader) this.logger.warn({ holder: this.options.holder, ttlSeconds: this.options.ttlSeconds }, 'registry leader lease not renewed for three quarters of its TTL; stepping down');
    this.setLeader(false);
    this.ended?.();
  }

  protected override setLeader(leader: boolean): void {
    if (leader === this.isLeader) return;
    if (!leader) this.logger.info({ holder: this.options.holder }, 'this registry replica no longer leads placement');
    super.setLeader(leader);
  }
}
