/** Registers the store backends infermesh ships with. */
import path from 'node:path';
import type { BackendRegistry, RegistryConfig } from '@infermesh/common';
import { FileRegistryStore } from './FileRegistryStore.js';
import type { RegistryStore } from './RegistryStore.js';

/** The store backends, by `registry.store.type`; each gets the registry's data folder. */
export type StoreBackends = BackendRegistry<RegistryConfig['store'], [registryDir: string], RegistryStore>;

/** Registers `file`: the embedded store, kept in `<registryDir>`. */
export function registerBuiltinStores(stores: StoreBackends): void {
  stores.register('file', (_config, registryDir) => new FileRegistryStore(path.resolve(registryDir)));
}
