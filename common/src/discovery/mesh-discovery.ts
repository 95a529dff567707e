/**
 * A process's link to its discovery backend, whichever it is (`discovery.type: consul` or
 * `etcd`): services join it, find each other through its resolver, and the registry follows
 * the runners in it.
 */
import type { BackendDiscoveryConfig, ServiceKind } from '../config/discovery-config.js';
import type { Presence, PresenceOptions } from './instance-entry.js';
import type { DiscoveryHealth } from './Reachability.js';
import type { ServiceInstance } from './service-instance.js';

/** A follow of one service's instances: nothing is read before `start()`. */
export interface InstanceWatch {
  start(): void;
  close(): void;
}

/** What a service with a discovery backend works with. */
export interface MeshDiscovery {
  /** `consul` or `etcd`: also the scheme of its targets (`etcd:///infermesh-registry`). */
  backend: BackendDiscoveryConfig['type'];
  config: BackendDiscoveryConfig;
  /** Points this process's `<backend>:` targets at this backend. */
  useResolver(): void;
  /** Registers the service (and points `<backend>:` targets at the same backend). */
  join(options: PresenceOptions): Promise<Presence>;
  /** A watch of `kind`'s instances, `onChange` called with every new set. */
  watch(kind: ServiceKind, onChange: (instances: readonly ServiceInstance[]) => void): InstanceWatch;
  /** What being listed means, for the log: `passes its Consul health check`. */
  listedAs: string;
  /** Whether the backend can be reached now, for health and status pages. */
  health(): DiscoveryHealth;
  /** Calls `listener` with the health now and on every change of reachability. */
  watchHealth(listener: (health: DiscoveryHealth) => void): void;
  /** Closes the backend client's connections. */
  close(): void;
}
