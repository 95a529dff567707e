/**
 * A service's own key in etcd, `<prefix>/services/<service>/<instance>`, attached to a lease
 * that etcd3 keeps alive: a process that dies stops the keep-alives and its key goes with the
 * lease's TTL. A lease that is lost (etcd unreachable past the TTL, or the lease expired on
 * the server) is replaced by a new one with the key put again, and an etcd that cannot be
 * reached does not stop the service: the registration is retried in the background with a
 * doubling backoff. `withdraw()` revokes the lease, which deletes the key at once.
 */
import type { Etcd3, Lease } from 'etcd3';
import type { Logger } from '../log/logger.js';
import { instanceKey, instanceValue } from './etcd-keys.js';
import type { InstanceEntry } from './instance-entry.js';
import type { Reachability } from './Reachability.js';
import { answerWithin, type BackoffBounds } from './retry-timing.js';
import { RetriedRegistration } from './RetriedRegistration.js';

/** The lease's TTL, and the backoff of a failed registration. */
export interface EtcdRegistrationTimings extends BackoffBounds {
  leaseTtlSeconds: number;
}

/** Deadline of the revocation on shutdown: a stopping service waits no longer for etcd. */
const REVOKE_TIMEOUT_MS = 2_000;

export class EtcdRegistration extends RetriedRegistration {
  /** The lease the key is (or is being) put under. */
  private lease: Lease | undefined;
  private readonly key: string;

  constructor(
    private readonly client: Etcd3,
    prefix: string,
    private readonly entry: InstanceEntry,
    private readonly timings: EtcdRegistrationTimings,
    private readonly reachability: Reachability,
    private readonly logger: Logger,
  ) {
    super(timings);
    this.key = instanceKey(prefix, entry.service, entry.id);
  }

  /** Revokes the lease (best effort, within 2 s), which deletes the key, and stops retrying. */
  async withdraw(): Promise<void> {
    this.stopRetrying();
    const lease = this.lease;
    this.lease = undefined;
    if (!lease) return;
    try {
      await answerWithin(lease.revoke({ deadline: Date.now() + REVOKE_TIMEOUT_MS }), REVOKE_TIMEOUT_MS);
      if (this.registered) this.logger.info({ key: this.key }, 'left etcd (lease revoked)');
    } catch (error) {
      lease.release();
      this.logger.warn({ key: this.key, reason: (error as Error).message }, 'could not revoke the etcd lease; the key goes when it expires');
    } finally {
      this.registered = false;
    }
  }

  /**
   * Stops the keep-alives and retries without revoking: the key goes when the lease expires,
   * as it would if the process died. (etcd3 reconnects a closed client for a keep-alive it
   * still runs, so closing the client alone would keep the lease alive.)
   */
  abandon(): void {
    this.stopRetrying();
    this.lease?.release();
    this.lease = undefined;
    this.registered = false;
  }

  protected override async attempt(): Promise<void> {
    if (this.withdrawn) return;
    const lease = this.client.lease(this.timings.leaseTtlSeconds, { autoKeepAlive: true });
    this.lease = lease;
    lease.on('lost', (error) => this.lost(lease, error));
    // Keep-alives say whether etcd can be reached even where nothing is watched.
    // etcd3 types the argument as a keep-alive response, but emits the stream's error.
    lease.on('keepaliveFailed', (failure) => this.reachability.failed(`keep-alive of ${this.entry.id}: ${(failure as unknown as Error).message}`));
    lease.on('keepaliveSucceeded', () => this.reachability.ok());
    try {
      await lease.put(this.key).value(instanceValue(this.entry)).exec();
      if (this.lease !== lease) return;
      this.succeeded();
      this.reachability.ok();
      this.logger.info({ key: this.key, address: `${this.entry.host}:${this.entry.port}`, ttlSeconds: this.timings.leaseTtlSeconds }, 'registered in etcd');
    } catch (error) {
      lease.release();
      if (this.lease !== lease) return;
      this.lease = undefined;
      this.reachability.failed(`registration of ${this.entry.id}: ${(error as Error).message}`);
      this.retryLater();
    }
  }

  /** The lease died after the key was put: put it again under a new one. */
  private lost(lease: Lease, error: Error): void {
    if (this.lease !== lease || !this.registered || this.withdrawn) return;
    this.registered = false;
    this.lease = undefined;
    this.logger.warn({ key: this.key, reason: error.message }, 'etcd lease lost; registering again under a new lease');
    this.retryLater();
  }
}
