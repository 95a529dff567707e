/**
 * The grpc-js name resolver for `etcd:///<service>` targets: each channel follows the
 * service's keys under `<prefix>/services/<service>/` (EtcdInstances); an instance whose lease
 * expires or is revoked leaves the channel's endpoints as soon as the watch hears it.
 */
import type { Etcd3 } from 'etcd3';
import type { Logger } from '../log/logger.js';
import { EtcdInstances, type EtcdInstancesOptions } from './EtcdInstances.js';
import { registerInstancesResolver } from './instances-resolver.js';
import type { Reachability } from './Reachability.js';

/** The URI scheme the resolver answers for. */
export const ETCD_SCHEME = 'etcd';

/**
 * Makes `etcd:///<service>` targets resolve through `client`'s watches, in this process, from
 * now on. Called again (another etcd), later channels use the new one.
 */
export function registerEtcdResolver(client: Etcd3, options: Omit<EtcdInstancesOptions, 'service'>, reachability: Reachability, logger: Logger): void {
  registerInstancesResolver(
    ETCD_SCHEME,
    {
      follow(service, onChange) {
        const instances = new EtcdInstances(client, { ...options, service }, onChange, reachability, logger);
        instances.start();
        return instances;
      },
      none: (service) => `no live instance of '${service}' in etcd (under ${options.prefix}/services/${service}/)`,
      describe: (service) => `etcd service '${service}'`,
    },
    'registerEtcdResolver',
  );
}
