/**
 * Discovery backends registered by name, as the store backends are: `consul` and `etcd` are
 * built in. `registry` and `static` discovery have no backend.
 */
import { BackendRegistry } from '../backends/BackendRegistry.js';
import type { BackendDiscoveryConfig, DiscoverySettings } from '../config/discovery-config.js';
import type { Logger } from '../log/logger.js';
import { consulMeshDiscovery } from './consul-backend.js';
import { etcdMeshDiscovery } from './etcd-discovery.js';
import type { MeshDiscovery } from './mesh-discovery.js';

/** Discovery backends by name. */
export const discoveryBackends = new BackendRegistry<BackendDiscoveryConfig, [DiscoverySettings, Logger], Promise<MeshDiscovery>>('discovery');
discoveryBackends.register('consul', consulMeshDiscovery);
discoveryBackends.register('etcd', etcdMeshDiscovery);

/**
 * The link for `settings`, or undefined with `registry` or `static` discovery (no backend). A
 * credential or TLS file that cannot be read rejects, naming the key.
 */
export async function meshDiscoveryOf(settings: DiscoverySettings | undefined, logger: Logger): Promise<MeshDiscovery | undefined> {
  const config = settings?.config;
  if (!settings || !config || config.type === 'registry' || config.type === 'static') return undefined;
  return discoveryBackends.create(config, settings, logger);
}
