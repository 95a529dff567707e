/** The `consul` discovery backend: registrations with gRPC health checks, health queries to follow. */
import type { ConsulDiscoveryConfig, DiscoverySettings } from '../config/discovery-config.js';
import type { Logger } from '../log/logger.js';
import { consulDiscoveryOf } from './consul-discovery.js';
import { joinConsul, useConsulResolver } from './consul-presence.js';
import type { MeshDiscovery } from './mesh-discovery.js';
import { PassingInstances } from './PassingInstances.js';
import { Reachability } from './Reachability.js';

/** The `consul` discovery backend: registrations with gRPC health checks, health queries to follow. */
export async function consulMeshDiscovery(config: ConsulDiscoveryConfig, settings: DiscoverySettings, logger: Logger): Promise<MeshDiscovery> {
  const discovery = (await consulDiscoveryOf({ ...settings, config }))!;
  const reachability = new Reachability('Consul', logger);
  const { blockingWaitMs, backoffInitialMs, backoffMaxMs } = config;
  return {
    backend: 'consul',
    config,
    useResolver: () => useConsulResolver(discovery, logger),
    join: (options) => joinConsul(discovery, options),
    watch: (kind, onChange) => new PassingInstances(discovery.client, { service: config.services[kind], blockingWaitMs, backoffInitialMs, backoffMaxMs }, onChange, logger, reachability),
    listedAs: 'passes its Consul health check',
    health: () => reachability.health(),
    watchHealth: (listener) => reachability.watch(listener),
    close: () => discovery.close(),
  };
}
