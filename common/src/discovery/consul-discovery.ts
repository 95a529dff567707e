/** A process's link to Consul for discovery: the client, the `discovery:` keys and its identity. */
import Consul from 'consul';
import type { ConsulDiscoveryConfig, DiscoverySettings } from '../config/discovery-config.js';

/** What a service with `discovery.type: consul` works with. */
export interface ConsulDiscovery {
  client: Consul;
  config: ConsulDiscoveryConfig;
  /** INFERMESH_ADVERTISE_HOST and INFERMESH_INSTANCE_NAME. */
  identity: Pick<DiscoverySettings, 'advertiseHost' | 'instanceName'>;
  /** Closes the client's connections. */
  close(): void;
}

/** The link for `settings`, or undefined unless its type is `consul`. */
export function consulDiscoveryOf(settings: DiscoverySettings | undefined): ConsulDiscovery | undefined {
  if (settings?.config.type !== 'consul') return undefined;
  const client = new Consul();
  const { advertiseHost, instanceName } = settings;
  return {
    client,
    config: settings.config,
    identity: { ...(advertiseHost === undefined ? {} : { advertiseHost }), ...(instanceName === undefined ? {} : { instanceName }) },
    close: () => client.destroy(),
  };
}
