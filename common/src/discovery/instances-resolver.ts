/**
 * The plumbing shared by the mesh's grpc-js name resolvers (`consul:///<service>`,
 * `etcd:///<service>`), registered the way grpc-js registers its own (`dns:`, `ipv4:`): each
 * channel to such a target follows the service's live instances in a backend and spreads
 * calls over them (round robin); an instance the backend drops leaves the channel's endpoints
 * as soon as the backend says so, and with none left calls fail with UNAVAILABLE naming the
 * service.
 */
import { experimental, status, type ChannelOptions } from '@grpc/grpc-js';
import type { ServiceInstance } from './service-instance.js';

/** A running follow of one service's instances; closed when the channel goes. */
export interface InstanceFollow {
  close(): void;
}

/** Where a resolver finds instances: set when the process links to its backend. */
export interface InstanceSource {
  /** Starts following `service`; `onChange` gets every new set (never the same set twice in a row). */
  follow(service: string, onChange: (instances: readonly ServiceInstance[]) => void): InstanceFollow;
  /** Why calls fail when the service has no instance: `no passing instance of 'x' in Consul`. */
  none(service: string): string;
  /** The backend, as the resolution note names it: `Consul service 'x'`. */
  describe(service: string): string;
}

/**
 * Calls spread over every instance, and a channel drops an instance as soon as the backend
 * does (pick_first would hold on to a connected one that the backend no longer lists).
 */
const ROUND_ROBIN = experimental.statusOrFromValue({ loadBalancingConfig: [{ round_robin: {} }], methodConfig: [] });

/** The service a target names: `etcd:///infermesh-registry` → `infermesh-registry`. */
function serviceOf(target: experimental.GrpcUri): string {
  return target.path.replace(/^\/+/, '');
}

/** What grpc-js registers for a scheme (its ResolverConstructor, which it does not export). */
type ResolverClass = Parameters<typeof experimental.registerResolver>[1];

/** A resolver class for `scheme`, reading its source when a channel first resolves. */
function resolverFor(scheme: string, source: () => InstanceSource | undefined, register: string): ResolverClass {
  return class InstancesResolver implements experimental.Resolver {
    private follow: InstanceFollow | undefined;
    private readonly service: string;

    constructor(
      target: experimental.GrpcUri,
      private readonly listener: experimental.ResolverListener,
      _options: ChannelOptions,
    ) {
      this.service = serviceOf(target);
    }

    updateResolution(): void {
      const current = source();
      if (!current) {
        this.fail(`no ${scheme} source: call ${register} before dialling ${scheme}:///${this.service}`);
        return;
      }
      // Each change reaches the channel as the backend reports it; a channel asking again
      // (after a failed connection) needs no answer, and answering at once would spin with an
      // empty set.
      if (this.follow) return;
      this.follow = current.follow(this.service, (list) => this.report(current, list));
    }

    destroy(): void {
      this.follow?.close();
      this.follow = undefined;
    }

    static getDefaultAuthority(target: experimental.GrpcUri): string {
      return serviceOf(target);
    }

    private report(current: InstanceSource, list: readonly ServiceInstance[]): void {
      if (!this.follow) return;
      const endpoints = list.map((instance) => ({ addresses: [{ host: instance.host, port: instance.port }] }));
      if (endpoints.length > 0) {
        this.listener(experimental.statusOrFromValue(endpoints), {}, ROUND_ROBIN, current.describe(this.service));
        return;
      }
      // None: the empty list drops every endpoint (a channel keeps its last good list through
      // errors alone), then the error makes calls fail with UNAVAILABLE saying why, instead of
      // waiting on an idle channel.
      const details = current.none(this.service);
      this.listener(experimental.statusOrFromValue([]), {}, ROUND_ROBIN, details);
      this.listener(experimental.statusOrFromError({ code: status.UNAVAILABLE, details }), {}, ROUND_ROBIN, details);
    }

    private fail(details: string): void {
      setImmediate(() => this.listener(experimental.statusOrFromError({ code: status.UNAVAILABLE, details }), {}, null, details));
    }
  };
}

/** Sources by scheme; resolvers are process-wide, as grpc-js's registry is. */
const sources = new Map<string, InstanceSource>();

/**
 * Makes `<scheme>:///<service>` targets resolve through `source`, in this process, from now
 * on. Called again (another backend link), later channels use the new source.
 */
export function registerInstancesResolver(scheme: string, source: InstanceSource, register: string): void {
  const first = !sources.has(scheme);
  sources.set(scheme, source);
  if (first) experimental.registerResolver(scheme, resolverFor(scheme, () => sources.get(scheme), register));
}
