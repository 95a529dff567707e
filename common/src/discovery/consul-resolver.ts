/**
 * The grpc-js name resolver for `consul:///<service>` targets: each channel follows the
 * service's passing instances in Consul (PassingInstances); an instance whose health check
 * fails leaves the channel's endpoints within one blocking query.
 */
import type Consul from 'consul';
import type { Logger } from '../log/logger.js';
import { registerInstancesResolver } from './instances-resolver.js';
import { PassingInstances, type PassingInstancesOptions } from './PassingInstances.js';

/** The URI scheme the resolver answers for. */
export const CONSUL_SCHEME = 'consul';

/**
 * Makes `consul:///<service>` targets resolve through `consul`'s health queries, in this
 * process, from now on. Called again (another Consul), later channels use the new one.
 */
export function registerConsulResolver(consul: Consul, options: Omit<PassingInstancesOptions, 'service'>, logger: Logger): void {
  registerInstancesResolver(
    CONSUL_SCHEME,
    {
      follow(service, onChange) {
        const instances = new PassingInstances(consul, { ...options, service }, onChange, logger);
        instances.start();
        return instances;
      },
      none: (service) => `no passing instance of '${service}' in Consul`,
      describe: (service) => `Consul service '${service}'`,
    },
    'registerConsulResolver',
  );
}

/** True when `target` is resolved through Consul. */
export function isConsulTarget(target: string): boolean {
  return target.startsWith(`${CONSUL_SCHEME}:`);
}
