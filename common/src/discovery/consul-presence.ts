/**
 * A service's presence in Consul (`discovery.type: consul`): its own entry in the agent, with
 * a gRPC health check, and the `consul:` resolver through which it finds the other services.
 * `leave()` deregisters it; the service calls it first when it stops, so that others stop
 * sending it calls before it closes its port.
 */
import { INFERMESH_VERSION } from '../version.js';
import type { ConsulDiscoveryConfig } from '../config/discovery-config.js';
import type { Logger } from '../log/logger.js';
import { advertisedHost } from './advertised-host.js';
import { ConsulRegistration } from './ConsulRegistration.js';
import type { ConsulDiscovery } from './consul-discovery.js';
import { registerConsulResolver } from './consul-resolver.js';

/** The kinds of service, each under its own Consul service name. */
export type ServiceKind = keyof ConsulDiscoveryConfig['services'];

/** Who is joining. */
export interface PresenceOptions {
  kind: ServiceKind;
  /** The address the service listens on, and its bound port. */
  listenHost: string;
  port: number;
  /** The service's port speaks TLS (the health check must too). */
  tls: boolean;
  /** Added to the entry's meta (a runner's name and device); `kind` and `version` are always there. */
  meta?: Record<string, string>;
  /** Added to the entry's tags (a runner's device). */
  tags?: string[];
  logger: Logger;
}

/** A service's presence in Consul. */
export interface ConsulPresence {
  /** The entry's Consul service ID. */
  id: string;
  /** `host:port` others dial. */
  address: string;
  /** Deregisters (best effort) and stops the retries. */
  leave(): Promise<void>;
}

/** Consul service IDs: what is left of `text` in letters, digits, `-`, `_` and `.`. */
function idPart(text: string): string {
  return text.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 200);
}

/** Points `consul:` targets of this process at `discovery`'s Consul. */
export function useConsulResolver(discovery: ConsulDiscovery, logger: Logger): void {
  registerConsulResolver(discovery.client, discovery.config, logger);
}

/** Registers the service in Consul (and points `consul:` targets at the same Consul). */
export async function joinConsul(discovery: ConsulDiscovery, options: PresenceOptions): Promise<ConsulPresence> {
  const { kind, logger } = options;
  const { client: consul, config, identity } = discovery;
  useConsulResolver(discovery, logger);
  const host = advertisedHost(options.listenHost, identity.advertiseHost);
  const service = config.services[kind];
  // One instance per pod (its name), else one per host and port.
  const id = `${service}-${idPart(identity.instanceName ?? `${host}-${options.port}`)}`;
  const registration = new ConsulRegistration(
    consul,
    {
      service,
      id,
      host,
      port: options.port,
      tags: [...new Set([kind, ...(options.tags ?? []), ...config.tags])],
      meta: { kind, version: INFERMESH_VERSION, ...options.meta },
      tls: options.tls,
    },
    config,
    logger,
  );
  await registration.start();
  return {
    id,
    address: host.includes(':') ? `[${host}]:${options.port}` : `${host}:${options.port}`,
    leave: () => registration.withdraw(),
  };
}
