/**
 * A grpc-js name resolver for `consul:///<service>` targets, registered the way grpc-js
 * registers its own (`dns:`, `ipv4:`): each channel to such a target follows the service's
 * passing instances in Consul and spreads calls over them (round robin); an instance whose
 * health check fails leaves the channel's endpoints within one blocking query.
 */
import { experimental, status, type ChannelOptions } from '@grpc/grpc-js';
import type Consul from 'consul';
import type { Logger } from '../log/logger.js';
import { PassingInstances, type PassingInstancesOptions } from './PassingInstances.js';
import type { ServiceInstance } from './service-instance.js';

/** The URI scheme the resolver answers for. */
export const CONSUL_SCHEME = 'consul';

/** Where resolvers find Consul, and how they query it. */
interface ConsulSource {
  consul: Consul;
  options: Omit<PassingInstancesOptions, 'service'>;
  logger: Logger;
}

/**
 * Calls spread over every passing instance, and a channel drops an instance as soon as Consul
 * does (pick_first would hold on to a connected one that Consul no longer lists).
 */
const ROUND_ROBIN = experimental.statusOrFromValue({ loadBalancingConfig: [{ round_robin: {} }], methodConfig: [] });

/** Set by {@link registerConsulResolver}; the resolver is process-wide, as grpc-js's registry is. */
let source: ConsulSource | undefined;

/** The Consul service a target names: `consul:///infermesh-registry` → `infermesh-registry`. */
function serviceOf(target: experimental.GrpcUri): string {
  return target.path.replace(/^\/+/, '');
}

class ConsulResolver implements experimental.Resolver {
  private instances: PassingInstances | undefined;
  private readonly service: string;

  constructor(
    target: experimental.GrpcUri,
    private readonly listener: experimental.ResolverListener,
    _options: ChannelOptions,
  ) {
    this.service = serviceOf(target);
  }

  updateResolution(): void {
    const current = source;
    if (!current) {
      this.fail(`no Consul client: call registerConsulResolver before dialling consul:///${this.service}`);
      return;
    }
    // Each change reaches the channel as the watch hears it; a channel asking again (after a
    // failed connection) needs no answer, and answering at once would spin with an empty set.
    if (this.instances) return;
    this.instances = new PassingInstances(current.consul, { ...current.options, service: this.service }, (list) => this.report(list), current.logger);
    this.instances.start();
  }

  destroy(): void {
    this.instances?.close();
    this.instances = undefined;
  }

  static getDefaultAuthority(target: experimental.GrpcUri): string {
    return serviceOf(target);
  }

  private report(list: readonly ServiceInstance[]): void {
    if (!this.instances) return;
    const endpoints = list.map((instance) => ({ addresses: [{ host: instance.host, port: instance.port }] }));
    if (endpoints.length > 0) {
      this.listener(experimental.statusOrFromValue(endpoints), {}, ROUND_ROBIN, `Consul service '${this.service}'`);
      return;
    }
    // None passing: the empty list drops every endpoint (a channel keeps its last good list
    // through errors alone), then the error makes calls fail with UNAVAILABLE saying why,
    // instead of waiting on an idle channel.
    const details = `no passing instance of '${this.service}' in Consul`;
    this.listener(experimental.statusOrFromValue([]), {}, ROUND_ROBIN, details);
    this.listener(experimental.statusOrFromError({ code: status.UNAVAILABLE, details }), {}, ROUND_ROBIN, details);
  }

  private fail(details: string): void {
    setImmediate(() => this.listener(experimental.statusOrFromError({ code: status.UNAVAILABLE, details }), {}, null, details));
  }
}

/**
 * Makes `consul:///<service>` targets resolve through `consul`'s health queries, in this
 * process, from now on. Called again (another Consul), later channels use the new one.
 */
export function registerConsulResolver(consul: Consul, options: Omit<PassingInstancesOptions, 'service'>, logger: Logger): void {
  source = { consul, options, logger };
  experimental.registerResolver(CONSUL_SCHEME, ConsulResolver);
}

/** True when `target` is resolved through Consul. */
export function isConsulTarget(target: string): boolean {
  return target.startsWith(`${CONSUL_SCHEME}:`);
}
