/** Picks the store backend the config names, from those registered by name. */
import { BackendRegistry, type RegistryConfig } from '@infermesh/common';
import { registerBuiltinStores, type StoreBackends } from './register-builtin-stores.js';
import type { RegistryStore } from './RegistryStore.js';

/** Store backends by name; `file` is built in, others (consul, etcd) register here. */
export const storeBackends: StoreBackends = new BackendRegistry('store');
registerBuiltinStores(storeBackends);

/** The store of `registry.store`; the file store lives in `<registryDir>`. */
export function createStore(config: RegistryConfig['store'], registryDir: string): RegistryStore {
  return storeBackends.create(config, registryDir);
}
