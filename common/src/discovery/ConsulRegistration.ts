/**
 * A service's own entry in the Consul agent: `PUT /v1/agent/service/register` with a gRPC
 * health check against its grpc.health.v1 service, and `PUT /v1/agent/service/deregister/<id>`
 * when it stops. A Consul agent that cannot be reached does not stop the service: the
 * registration is retried in the background with a doubling backoff.
 */
import type Consul from 'consul';
import type { Logger } from '../log/logger.js';
import { answerWithin } from './retry-timing.js';
import { RetriedRegistration } from './RetriedRegistration.js';

/** What the agent is told about the instance. */
export interface ServiceEntry {
  /** The Consul service name (`infermesh-runner`...). */
  service: string;
  /** Unique on the agent. */
  id: string;
  /** Where others dial it: the advertised host, never a wildcard. */
  host: string;
  port: number;
  tags: string[];
  meta: Record<string, string>;
  /** The check dials with TLS (the mesh's `tls` is on). */
  tls: boolean;
}

/** The check's pace, and the backoff of a failed registration. */
export interface RegistrationTimings {
  checkIntervalMs: number;
  checkTimeoutMs: number;
  deregisterCriticalAfterMs: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
}

/** Deadline of the deregistration on shutdown: a stopping service waits no longer for Consul. */
const DEREGISTER_TIMEOUT_MS = 2_000;

export class ConsulRegistration extends RetriedRegistration {
  constructor(
    private readonly consul: Consul,
    private readonly entry: ServiceEntry,
    private readonly timings: RegistrationTimings,
    private readonly logger: Logger,
  ) {
    super(timings);
  }

  /** Deregisters (best effort, within 2 s) and stops retrying. */
  async withdraw(): Promise<void> {
    this.stopRetrying();
    if (!this.registered) return;
    const { id, service } = this.entry;
    try {
      await answerWithin(this.consul.agent.service.deregister({ id, timeout: DEREGISTER_TIMEOUT_MS } as { id: string }), DEREGISTER_TIMEOUT_MS);
      this.registered = false;
      this.logger.info({ service, id }, 'deregistered from Consul');
    } catch (error) {
      this.logger.warn({ service, id, reason: (error as Error).message }, 'could not deregister from Consul; its health check will fail');
    }
  }

  protected override async attempt(): Promise<void> {
    if (this.withdrawn) return;
    const { service, id, host, port, tags, meta, tls } = this.entry;
    const { checkIntervalMs, checkTimeoutMs, deregisterCriticalAfterMs } = this.timings;
    try {
      await this.consul.agent.service.register({
        name: service,
        id,
        address: host,
        port,
        tags,
        meta,
        check: {
          name: `gRPC health of ${id}`,
          grpc: `${host}:${port}`,
          grpcusetls: tls,
          interval: `${checkIntervalMs}ms`,
          timeout: `${checkTimeoutMs}ms`,
          deregistercriticalserviceafter: `${deregisterCriticalAfterMs}ms`,
        },
      });
      if (this.withdrawn) {
        // Shut down while the registration was on its way: take it back.
        await this.consul.agent.service.deregister(id).catch(() => undefined);
        return;
      }
      this.succeeded();
      this.logger.info({ service, id, address: `${host}:${port}` }, 'registered in Consul');
    } catch (error) {
      if (this.retryLater()) this.logger.warn({ service, id, reason: (error as Error).message }, 'cannot register in Consul; retrying');
    }
  }
}
