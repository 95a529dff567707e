/**
 * A service's presence in Consul (`discovery.type: consul`): its own entry in the agent, with
 * a gRPC health check, and the `consul:` resolver through which it finds the other services.
 * `leave()` deregisters it; the service calls it first when it stops, so that others stop
 * sending it calls before it closes its port.
 */
import type { Logger } from '../log/logger.js';
import { ConsulRegistration } from './ConsulRegistration.js';
import type { ConsulDiscovery } from './consul-discovery.js';
import { registerConsulResolver } from './consul-resolver.js';
import { instanceEntry, presenceOf, type Presence, type PresenceOptions } from './instance-entry.js';

/** A service's presence in Consul. */
export type ConsulPresence = Presence;

/** Points `consul:` targets of this process at `discovery`'s Consul. */
export function useConsulResolver(discovery: ConsulDiscovery, logger: Logger): void {
  registerConsulResolver(discovery.client, discovery.config, logger);
}

/** Registers the service in Consul (and points `consul:` targets at the same Consul). */
export async function joinConsul(discovery: ConsulDiscovery, options: PresenceOptions): Promise<ConsulPresence> {
  const { logger } = options;
  const { client: consul, config, identity } = discovery;
  useConsulResolver(discovery, logger);
  const entry = instanceEntry(config, identity, options);
  const registration = new ConsulRegistration(consul, { ...entry, tls: options.tls }, config, logger);
  await registration.start();
  return presenceOf(entry, () => registration.withdraw());
}
