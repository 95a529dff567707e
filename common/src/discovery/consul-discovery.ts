/** A process's link to Consul for discovery: the client, the `discovery:` keys and its identity. */
import type Consul from 'consul';
import { consulSchema } from '../config/consul-config.js';
import type { ConsulDiscoveryConfig, DiscoverySettings } from '../config/discovery-config.js';
import { createConsulClient } from '../consul/consul-client.js';
import { identityOf } from './instance-entry.js';

/** What a service with `discovery.type: consul` works with. */
export interface ConsulDiscovery {
  client: Consul;
  config: ConsulDiscoveryConfig;
  /** INFERMESH_ADVERTISE_HOST and INFERMESH_INSTANCE_NAME. */
  identity: Pick<DiscoverySettings, 'advertiseHost' | 'instanceName'>;
  /** Closes the client's connections. */
  close(): void;
}

/**
 * The link for `settings`, or undefined unless its type is `consul`: a client of the agent the
 * `consul:` section names (its defaults when there is none). A token or TLS file that cannot
 * be read rejects, naming the key.
 */
export async function consulDiscoveryOf(settings: DiscoverySettings | undefined): Promise<ConsulDiscovery | undefined> {
  if (settings?.config.type !== 'consul') return undefined;
  const connection = await createConsulClient(settings.consul ?? consulSchema.parse({}));
  return {
    client: connection.client,
    config: settings.config,
    identity: identityOf(settings),
    close: () => connection.close(),
  };
}
