import { silentLogger, type RegistryConfig } from '@infermesh/common';
import { describe, expect, it } from 'vitest';
import { ConsulRegistryStore } from './consul/ConsulRegistryStore.js';
import { createStore, storeBackends } from './create-store.js';

describe('createStore', () => {
  it('has the file and consul stores registered by name', () => {
    expect(storeBackends.names()).toEqual(['file', 'consul']);
  });

  it('builds the consul store on the mesh consul section, else on the agent default', async () => {
    const context = { registryDir: '/nonexistent', logger: silentLogger() };
    const store = createStore({ type: 'consul', prefix: 'im/reg', sessionTtlSeconds: 15 }, { ...context, consul: { address: 'http://consul.internal:8500' } });
    expect(store).toBeInstanceOf(ConsulRegistryStore);
    expect(store.description).toBe('consul http://consul.internal:8500 key im/reg/state');
    expect(createStore({ type: 'consul', prefix: 'p', sessionTtlSeconds: 15 }, context).description).toBe('consul http://127.0.0.1:8500 key p/state');
    await store.close();
  });

  it('refuses a type nothing registered, naming the ones that are', () => {
    const config = { type: 'etcd' } as unknown as RegistryConfig['store'];
    expect(() => createStore(config, { registryDir: '/nonexistent', logger: silentLogger() })).toThrow("unknown store type 'etcd'; registered: file, consul");
  });
});
