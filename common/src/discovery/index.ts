/** Service discovery through a backend (Consul or etcd): registration, instance watches, and the `consul:` and `etcd:` resolvers. */
export { advertisedHost, isWildcardHost } from './advertised-host.js';
export { ConsulRegistration, type RegistrationTimings, type ServiceEntry } from './ConsulRegistration.js';
export { joinConsul, useConsulResolver, type ConsulPresence } from './consul-presence.js';
export { consulMeshDiscovery } from './consul-backend.js';
export { consulDiscoveryOf, type ConsulDiscovery } from './consul-discovery.js';
export { CONSUL_SCHEME, isConsulTarget, registerConsulResolver } from './consul-resolver.js';
export { discoveryBackends, meshDiscoveryOf } from './discovery-backends.js';
export { etcdDiscovery, etcdMeshDiscovery } from './etcd-discovery.js';
export { instanceKey, instanceOfValue, instanceValue, serviceKeyPrefix } from './etcd-keys.js';
export { EtcdInstances, type EtcdInstancesOptions } from './EtcdInstances.js';
export { EtcdRegistration, type EtcdRegistrationTimings } from './EtcdRegistration.js';
export { ETCD_SCHEME, registerEtcdResolver } from './etcd-resolver.js';
export { identityOf, instanceEntry, type InstanceEntry, type Presence, type PresenceOptions } from './instance-entry.js';
export { registerInstancesResolver, type InstanceFollow, type InstanceSource } from './instances-resolver.js';
export type { InstanceWatch, MeshDiscovery } from './mesh-discovery.js';
export { PassingInstances, type PassingInstancesOptions } from './PassingInstances.js';
export { DISCOVERY_HEALTH_SERVICE, Reachability, type DiscoveryHealth } from './Reachability.js';
export { checkedInstance, instanceAddress, instancesOf, MAX_INSTANCES, orderedInstances, sameInstances, type ServiceInstance } from './service-instance.js';
export {
  consulDiscoverySchema,
  consulTarget,
  discoveredTarget,
  discoveredTargetOr,
  discoverySchema,
  etcdDiscoverySchema,
  registryTargetOf,
  type BackendDiscoveryConfig,
  type ConsulDiscoveryConfig,
  type DiscoveryConfig,
  type DiscoverySettings,
  type EtcdDiscoveryConfig,
  type ServiceKind,
} from '../config/discovery-config.js';
/** The `consul` client's type, so that services need no dependency on the package to name it. */
export type { default as ConsulClient } from 'consul';
