/** Service discovery through Consul: registration with a gRPC health check, health watches, and the `consul:` resolver. */
export { advertisedHost, isWildcardHost } from './advertised-host.js';
export { ConsulRegistration, type RegistrationTimings, type ServiceEntry } from './ConsulRegistration.js';
export { joinConsul, useConsulResolver, type ConsulPresence, type PresenceOptions, type ServiceKind } from './consul-presence.js';
export { consulDiscoveryOf, type ConsulDiscovery } from './consul-discovery.js';
export { CONSUL_SCHEME, isConsulTarget, registerConsulResolver } from './consul-resolver.js';
export { PassingInstances, type PassingInstancesOptions } from './PassingInstances.js';
export { instanceAddress, instancesOf, MAX_INSTANCES, type ServiceInstance } from './service-instance.js';
export {
  consulDiscoverySchema,
  consulTarget,
  consulTargetOr,
  discoverySchema,
  registryTargetOf,
  type ConsulDiscoveryConfig,
  type DiscoveryConfig,
  type DiscoverySettings,
} from '../config/discovery-config.js';
/** The `consul` client's type, so that services need no dependency on the package to name it. */
export type { default as ConsulClient } from 'consul';
