/** Picks the store backend the config names, from those registered by name. */
import { BackendRegistry, type RegistryConfig } from '@infermesh/common';
import { registerBuiltinStores, type StoreBackends, type StoreContext } from './register-builtin-stores.js';
import type { RegistryStore } from './RegistryStore.js';

/** Store backends by name; `file` and `consul` are built in, others (etcd) register here. */
export const storeBackends: StoreBackends = new BackendRegistry('store');
registerBuiltinStores(storeBackends);

/** The store of `registry.store`. */
export function createStore(config: RegistryConfig['store'], context: StoreContext): RegistryStore {
  return storeBackends.create(config, context);
}
