/**
 * The `etcd` discovery backend: each service puts its key under a lease it keeps alive
 * (EtcdRegistration), and follows the others by watching their prefix (EtcdInstances, and the
 * `etcd:` resolver). The mesh's `etcd:` section says how to reach etcd.
 */
import type { Etcd3 } from 'etcd3';
import type { DiscoverySettings, EtcdDiscoveryConfig } from '../config/discovery-config.js';
import { etcdSchema } from '../config/etcd-config.js';
import { createEtcdClient } from '../etcd/etcd-client.js';
import type { Logger } from '../log/logger.js';
import { EtcdInstances } from './EtcdInstances.js';
import { EtcdRegistration } from './EtcdRegistration.js';
import { registerEtcdResolver } from './etcd-resolver.js';
import { identityOf, instanceEntry, presenceOf } from './instance-entry.js';
import type { MeshDiscovery } from './mesh-discovery.js';
import { Reachability } from './Reachability.js';

/** A link to etcd for discovery, over `client` (closed by `close()`), its keys under `prefix`. */
export function etcdDiscovery(
  client: Etcd3,
  prefix: string,
  config: EtcdDiscoveryConfig,
  identity: Pick<DiscoverySettings, 'advertiseHost' | 'instanceName'>,
  logger: Logger,
): MeshDiscovery {
  const reachability = new Reachability('etcd', logger);
  const { backoffInitialMs, backoffMaxMs } = config;
  const registrations = new Set<EtcdRegistration>();
  const useResolver = () => registerEtcdResolver(client, { prefix, backoffInitialMs, backoffMaxMs }, reachability, logger);
  return {
    backend: 'etcd',
    config,
    useResolver,
    async join(options) {
      useResolver();
      const entry = instanceEntry(config, identity, options);
      const registration = new EtcdRegistration(client, prefix, entry, config, reachability, options.logger);
      registrations.add(registration);
      await registration.start();
      return presenceOf(entry, async () => {
        await registration.withdraw();
        registrations.delete(registration);
      });
    },
    watch: (kind, onChange) => new EtcdInstances(client, { prefix, service: config.services[kind], backoffInitialMs, backoffMaxMs }, onChange, reachability, logger),
    listedAs: 'holds its etcd key (its lease is kept alive)',
    health: () => reachability.health(),
    watchHealth: (listener) => reachability.watch(listener),
    close() {
      // Keys not left go with their leases, as a dead process's would.
      for (const registration of registrations) registration.abandon();
      client.close();
    },
  };
}

/** The backend for `settings`: a client of the etcd the `etcd:` section names (its defaults when there is none). */
export async function etcdMeshDiscovery(config: EtcdDiscoveryConfig, settings: DiscoverySettings, logger: Logger): Promise<MeshDiscovery> {
  const connection = await createEtcdClient(settings.etcd ?? etcdSchema.parse({}));
  return etcdDiscovery(connection.client, connection.prefix, config, identityOf(settings), logger);
}
