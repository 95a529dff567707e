/** What a service tells its discovery backend about itself, whichever the backend. */
import { INFERMESH_VERSION } from '../version.js';
import type { BackendDiscoveryConfig, DiscoverySettings, ServiceKind } from '../config/discovery-config.js';
import type { Logger } from '../log/logger.js';
import { advertisedHost } from './advertised-host.js';
import { instanceAddress, type ServiceInstance } from './service-instance.js';

/** Who is joining. */
export interface PresenceOptions {
  kind: ServiceKind;
  /** The address the service listens on, and its bound port. */
  listenHost: string;
  port: number;
  /** The service's port speaks TLS (a health check must too). */
  tls: boolean;
  /** Added to the entry's meta (a runner's name and device); `kind` and `version` are always there. */
  meta?: Record<string, string>;
  /** Added to the entry's tags (a runner's device). */
  tags?: string[];
  logger: Logger;
}

/** A service's presence in its discovery backend. */
export interface Presence {
  /** The instance's ID within its service. */
  id: string;
  /** `host:port` others dial. */
  address: string;
  /** Withdraws the entry (best effort) and stops the retries. */
  leave(): Promise<void>;
}

/** An instance ready to be registered, under its service's name. */
export interface InstanceEntry extends ServiceInstance {
  service: string;
}

/** A process's identity in discovery: INFERMESH_ADVERTISE_HOST and INFERMESH_INSTANCE_NAME, where set. */
export function identityOf(settings: DiscoverySettings): Pick<DiscoverySettings, 'advertiseHost' | 'instanceName'> {
  const { advertiseHost, instanceName } = settings;
  return { ...(advertiseHost === undefined ? {} : { advertiseHost }), ...(instanceName === undefined ? {} : { instanceName }) };
}

/** IDs keep letters, digits, `-`, `_` and `.` of `text` (Consul service IDs, etcd key segments). */
function idPart(text: string): string {
  return text.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 200);
}

/**
 * The entry of the service `options` describes: its advertised host, and an ID made of the
 * service name and the instance name (a pod's), else the host and port.
 */
export function instanceEntry(config: BackendDiscoveryConfig, identity: Pick<DiscoverySettings, 'advertiseHost' | 'instanceName'>, options: PresenceOptions): InstanceEntry {
  const { kind } = options;
  const host = advertisedHost(options.listenHost, identity.advertiseHost);
  const service = config.services[kind];
  return {
    service,
    id: `${service}-${idPart(identity.instanceName ?? `${host}-${options.port}`)}`,
    host,
    port: options.port,
    tags: [...new Set([kind, ...(options.tags ?? []), ...config.tags])],
    meta: { kind, version: INFERMESH_VERSION, ...options.meta },
  };
}

/** The presence of `entry`, left by `leave`. */
export function presenceOf(entry: InstanceEntry, leave: () => Promise<void>): Presence {
  return { id: entry.id, address: instanceAddress(entry), leave };
}
