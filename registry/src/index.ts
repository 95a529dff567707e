/** The registry: model versions, rollouts, runner membership and placement, routes for gateways. */
export { createRegistry, type RegistryOptions, type RunningRegistry } from './create-registry.js';
export { RegistryClient, type Attribution } from './client/RegistryClient.js';
export type { RolloutField } from './service/to-proto.js';
export { deviceMatches, MAX_REASON_CHARS, MODEL_NAME } from './state/checks.js';
export { wantedReplicas } from './placement/derive-status.js';
export { FileRegistryStore } from './store/FileRegistryStore.js';
export { StoreConflictError, type RegistryStore, type StoredState } from './store/RegistryStore.js';
export { AUTO_ROLLBACK_ACTOR } from './stats/CanaryWatch.js';
