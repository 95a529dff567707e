/**
 * A runner's membership in the registry: it registers with its address, device and memory,
 * then heartbeats at the pace the registry asks for, so that its lease keeps it in the
 * routes. A registry that forgot it (NOT_FOUND) gets a new registration; one that is down
 * gets the next heartbeat. On shutdown the runner leaves, so routes drop it at once.
 */
import { totalmem } from 'node:os';
import * as grpc from '@grpc/grpc-js';
import { clientChannelOptions, clientSecurity, INFERMESH_VERSION, unaryCall, type ClientSecurity, type Logger } from '@infermesh/common';
import { registryProto, type RegistryClient } from '@infermesh/proto/registry';

/** Who the runner is, as the registry needs to know. */
export interface MembershipOptions {
  /** The registry's host:port. */
  registry: string;
  name: string;
  /** Where gateways and the registry reach this runner. */
  address: string;
  device: string;
  logger: Logger;
  /** The mesh's TLS (plaintext by default) and INFERMESH_TOKEN. */
  security?: ClientSecurity;
}

/** Deadline of a registration or heartbeat. */
const CALL_TIMEOUT_MS = 2_000;
/** Wait before registering again after a failed registration. */
const RETRY_MS = 500;

export class RegistryMembership {
  private readonly client: RegistryClient;
  private timer: NodeJS.Timeout | undefined;
  private registered = false;
  private heartbeatMs = 1_000;
  private stopped = false;
  /** True while the registry cannot be reached, so the log says so once. */
  private unreachable = false;

  constructor(private readonly options: MembershipOptions) {
    const { credentials, options: secure } = clientSecurity(options.security ?? {});
    this.client = new registryProto.Registry(options.registry, credentials, {
      ...secure,
      ...clientChannelOptions(1024 * 1024),
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 1_000,
    });
  }

  /** Starts registering and heartbeating in the background. */
  start(): void {
    this.schedule(0);
  }

  /** Tells the registry the runner leaves (best effort), and stops. */
  async leave(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.registered) {
      const { name, address } = this.options;
      await new Promise<void>((resolve) =>
        this.client.DeregisterRunner({ name, address }, { deadline: Date.now() + 1_000 }, () => resolve()),
      );
    }
    this.client.close();
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.beat(), ms);
    this.timer.unref();
  }

  private async beat(): Promise<void> {
    const { name, address, device, logger } = this.options;
    const deadline = { deadline: Date.now() + CALL_TIMEOUT_MS };
    try {
      const answer = await unaryCall<{ heartbeat_ms: number }>((done) => {
        if (this.registered) return this.client.Heartbeat({ name, address }, deadline, done);
        const memory = device === 'cpu' ? totalmem() : 0;
        return this.client.RegisterRunner({ name, address, device, memory_bytes: memory, version: INFERMESH_VERSION }, deadline, done);
      });
      if (!this.registered) logger.info({ registry: this.options.registry, address }, 'registered with the registry');
      if (this.unreachable) logger.info({ registry: this.options.registry }, 'registry reachable again');
      this.registered = true;
      this.unreachable = false;
      this.heartbeatMs = Math.max(50, answer.heartbeat_ms);
      this.schedule(this.heartbeatMs);
    } catch (error) {
      const { code, details } = (error ?? {}) as grpc.ServiceError;
      if (code === grpc.status.NOT_FOUND) {
        // The registry does not know this runner (its state was lost, or another took the name): join again now.
        this.registered = false;
        this.schedule(0);
        return;
      }
      if (!this.unreachable) logger.warn({ registry: this.options.registry, code, reason: details }, 'cannot reach the registry; retrying');
      this.unreachable = true;
      this.schedule(this.registered ? this.heartbeatMs : RETRY_MS);
    }
  }
}
