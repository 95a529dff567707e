import { describe, expect, it } from 'vitest';
import { silentLogger } from '@infermesh/common';
import { Registry } from './Registry.js';
import type { RegistryState } from './state/registry-state.js';
import type { RegistryStore, StoredState } from './store/RegistryStore.js';

/** A store in memory whose saves can be made to fail. */
class MemoryStore implements RegistryStore {
  readonly description = 'memory';
  saved: StoredState | undefined;
  failing = false;
  saves = 0;
  async load() {
    return this.saved;
  }
  async save(state: RegistryState, expectedRevision: number) {
    if (this.failing) throw new Error('disk full');
    this.saves++;
    this.saved = { state: structuredClone(state), revision: expectedRevision + 1 };
    return expectedRevision + 1;
  }
  async close() {}
}

const runner = (name: string) => ({ name, address: 'h:1', device: 'cpu', memoryBytes: 0, version: '', registeredAtMs: 0, versions: [] });

describe('Registry', () => {
  it('commits a change only once it is saved, one at a time, and tells listeners', async () => {
    const store = new MemoryStore();
    const registry = await Registry.open(store, silentLogger());
    let heard = 0;
    registry.onChange(() => heard++);
    await Promise.all(['a', 'b', 'c'].map((name) => registry.mutate((draft) => void (draft.runners[name] = runner(name)))));
    expect(Object.keys(registry.current.runners)).toEqual(['a', 'b', 'c']);
    expect(store.saved?.revision).toBe(3);
    expect(heard).toBe(3);
    // A change that changes nothing is not saved.
    await registry.mutate(() => undefined);
    expect(store.saves).toBe(3);
  });

  it('leaves the state as it was when the change throws or the save fails', async () => {
    const store = new MemoryStore();
    const registry = await Registry.open(store, silentLogger());
    await expect(
      registry.mutate((draft) => {
        draft.runners.x = runner('x');
        throw new Error('refused');
      }),
    ).rejects.toThrowError('refused');
    store.failing = true;
    await expect(registry.mutate((draft) => void (draft.runners.y = runner('y')))).rejects.toMatchObject({
      code: 14,
      details: 'the registry could not save its state (memory); nothing was changed',
    });
    expect(registry.current.runners).toEqual({});
    store.failing = false;
    await registry.mutate((draft) => void (draft.runners.z = runner('z')));
    expect(Object.keys((await Registry.open(store, silentLogger())).current.runners)).toEqual(['z']);
  });
});
