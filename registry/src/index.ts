/** The registry: model versions, rollouts, runner membership and placement, routes for gateways. */
export { createRegistry, type RegistryOptions, type RunningRegistry } from './create-registry.js';
export { FileRegistryStore } from './store/FileRegistryStore.js';
export { StoreConflictError, type RegistryStore, type StoredState } from './store/RegistryStore.js';
export { AUTO_ROLLBACK_ACTOR } from './stats/CanaryWatch.js';
