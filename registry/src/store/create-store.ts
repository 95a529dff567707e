/** Picks the store backend the config names. */
import path from 'node:path';
import type { RegistryConfig } from '@infermesh/common';
import { FileRegistryStore } from './FileRegistryStore.js';
import type { RegistryStore } from './RegistryStore.js';

/** The store of `registry.store`; the file store lives in `<registryDir>`. */
export function createStore(config: RegistryConfig['store'], registryDir: string): RegistryStore {
  switch (config.type) {
    case 'file':
      return new FileRegistryStore(path.resolve(registryDir));
  }
}
