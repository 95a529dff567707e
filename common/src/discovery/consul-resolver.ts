/**
 * A grpc-js name resolver for `consul:///<service>` targets, registered the way grpc-js
 * registers its own (`dns:`, `ipv4:`): each channel to such a target follows the service's
 * passing instances in Consul and load-balances over them; an instance whose health check
 * fails leaves the channel's endpoints within one blocking query.
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
    if (!this.instances) {
      this.instances = new PassingInstances(current.consul, { ...current.options, service: this.service }, (list) => this.report(list), current.logger);
      this.instances.start();
      return;
    }
    // The channel asks again after a failed connection; the watch already follows every change,
    // so answer with what it last heard (grpc-js paces these asks with its own backoff).
    const last = this.instances.instances;
    if (last) process.nextTick(() => this.report(last));
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
    if (list.length === 0) {
      this.fail(`no passing instance of '${this.service}' in Consul`);
      return;
    }
    const endpoints = list.map((instance) => ({ addresses: [{ host: instance.host, port: instance.port }] }));
    this.listener(experimental.statusOrFromValue(endpoints), {}, null, `Consul service '${this.service}'`);
  }

  private fail(details: string): void {
    process.nextTick(() => this.listener(experimental.statusOrFromError({ code: status.UNAVAILABLE, details }), {}, null, details));
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
