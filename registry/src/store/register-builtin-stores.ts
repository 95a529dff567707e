/** Registers the store backends infermesh ships with. */
import path from 'node:path';
import { consulSchema, createConsulClient, createEtcdClient, etcdSchema, type BackendRegistry, type ConsulConfig, type EtcdConfig, type Logger, type RegistryConfig } from '@infermesh/common';
import { ConsulRegistryStore } from './consul/ConsulRegistryStore.js';
import { EtcdRegistryStore } from './etcd/EtcdRegistryStore.js';
import { FileRegistryStore } from './FileRegistryStore.js';
import type { RegistryStore } from './RegistryStore.js';

/** What every store backend gets beside its config entry. */
export interface StoreContext {
  /** The registry's data folder (`<dataDir>/registry`). */
  registryDir: string;
  /** The mesh's `consul:` section, when it has one. */
  consul?: ConsulConfig;
  /** The mesh's `etcd:` section, when it has one. */
  etcd?: EtcdConfig;
  logger: Logger;
}

/** The store backends, by `registry.store.type`. */
export type StoreBackends = BackendRegistry<RegistryConfig['store'], [context: StoreContext], RegistryStore>;

/**
 * Registers `file` (the embedded store, kept in `<registryDir>`), `consul` (Consul KV
 * under `prefix`, reached as the mesh's `consul:` section says; Consul's defaults without one)
 * and `etcd` (under `<etcd.prefix>/registry`, reached as the mesh's `etcd:` section says;
 * etcd's defaults without one).
 */
export function registerBuiltinStores(stores: StoreBackends): void {
  stores.register('file', (_config, { registryDir }) => new FileRegistryStore(path.resolve(registryDir)));
  stores.register('consul', (config, { consul, logger }) => {
    const connection = consul ?? consulSchema.parse({});
    return new ConsulRegistryStore(() => createConsulClient(connection), config, connection.address, logger);
  });
  stores.register('etcd', (config, { etcd, logger }) => {
    const connection = etcd ?? etcdSchema.parse({});
    return new EtcdRegistryStore(() => createEtcdClient(connection), { prefix: `${connection.prefix}/registry`, leaseTtlSeconds: config.leaseTtlSeconds }, connection.endpoints.join(','), logger);
  });
}
