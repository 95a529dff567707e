import { etcdSchema, silentLogger, type RegistryConfig } from '@infermesh/common';
import { describe, expect, it } from 'vitest';
import { ConsulRegistryStore } from './consul/ConsulRegistryStore.js';
import { createStore, storeBackends } from './create-store.js';
import { EtcdRegistryStore } from './etcd/EtcdRegistryStore.js';

describe('createStore', () => {
  it('has the file, consul and etcd stores registered by name', () => {
    expect(storeBackends.names()).toEqual(['file', 'consul', 'etcd']);
  });

  it('builds the consul store on the mesh consul section, else on the agent default', async () => {
    const context = { registryDir: '/nonexistent', logger: silentLogger() };
    const store = createStore({ type: 'consul', prefix: 'im/reg', sessionTtlSeconds: 15 }, { ...context, consul: { address: 'http://consul.internal:8500' } });
    expect(store).toBeInstanceOf(ConsulRegistryStore);
    expect(store.description).toBe('consul http://consul.internal:8500 key im/reg/state');
    expect(createStore({ type: 'consul', prefix: 'p', sessionTtlSeconds: 15 }, context).description).toBe('consul http://127.0.0.1:8500 key p/state');
    await store.close();
  });

  it('builds the etcd store under the mesh etcd section prefix, else on the etcd defaults', async () => {
    const context = { registryDir: '/nonexistent', logger: silentLogger() };
    const etcd = etcdSchema.parse({ endpoints: ['etcd-0:2379', 'etcd-1:2379'], prefix: '/mesh' });
    const store = createStore({ type: 'etcd', leaseTtlSeconds: 15 }, { ...context, etcd });
    expect(store).toBeInstanceOf(EtcdRegistryStore);
    expect(store.description).toBe('etcd http://etcd-0:2379,http://etcd-1:2379 key /mesh/registry/state');
    expect(createStore({ type: 'etcd', leaseTtlSeconds: 15 }, context).description).toBe('etcd http://127.0.0.1:2379 key /infermesh/registry/state');
    await store.close();
  });

  it('refuses a type nothing registered, naming the ones that are', () => {
    const config = { type: 'zookeeper' } as unknown as RegistryConfig['store'];
    expect(() => createStore(config, { registryDir: '/nonexistent', logger: silentLogger() })).toThrow("unknown store type 'zookeeper'; registered: file, consul, etcd");
  });
});
