import type { RegistryConfig } from '@infermesh/common';
import { describe, expect, it } from 'vitest';
import { createStore, storeBackends } from './create-store.js';

describe('createStore', () => {
  it('has the file store registered by name', () => {
    expect(storeBackends.names()).toEqual(['file']);
  });

  it('refuses a type nothing registered, naming the ones that are', () => {
    const config = { type: 'consul' } as unknown as RegistryConfig['store'];
    expect(() => createStore(config, '/nonexistent')).toThrow("unknown store type 'consul'; registered: file");
  });
});
