import { describe, expect, it } from 'vitest';
import { silentLogger } from '@infermesh/common';
import { Registry } from './Registry.js';
import type { RegistryState } from './state/registry-state.js';
import { StoreConflictError, type RegistryStore, type StoredState } from './store/RegistryStore.js';

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

/** One stored state with compare-and-set, shared by several stores (replicas), each with its watchers. */
class SharedBacking {
  stored: StoredState | undefined;
  readonly watchers = new Set<(stored: StoredState) => void>();
  store(): RegistryStore {
    return {
      description: 'shared memory',
      load: async () => structuredClone(this.stored),
      save: async (state, expected) => {
        await new Promise((resolve) => setImmediate(resolve));
        if ((this.stored?.revision ?? 0) !== expected) throw new StoreConflictError(`expected ${expected}, at ${this.stored?.revision ?? 0}`);
        this.stored = { state: structuredClone(state), revision: expected + 1 };
        for (const watcher of this.watchers) watcher(structuredClone(this.stored));
        return expected + 1;
      },
      watch: (listener) => {
        this.watchers.add(listener);
        return () => this.watchers.delete(listener);
      },
      close: async () => {},
    };
  }
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

  it('re-runs a change on the newer state when another replica saved first, losing no change of either', async () => {
    const backing = new SharedBacking();
    const [a, b] = await Promise.all([Registry.open(backing.store(), silentLogger()), Registry.open(backing.store(), silentLogger())]);
    a.follow();
    b.follow();
    let heardOnB = 0;
    b.onChange(() => heardOnB++);
    const names = Array.from({ length: 40 }, (_, i) => `r${i}`);
    await Promise.all(names.map((name, i) => (i % 2 === 0 ? a : b).mutate((draft) => void (draft.runners[name] = runner(name)))));
    expect(Object.keys(backing.stored!.state.runners).sort()).toEqual([...names].sort());
    // Each follows the other's saves: both end on the stored state.
    await a.idle();
    await b.idle();
    expect(a.current).toEqual(backing.stored!.state);
    expect(b.current).toEqual(backing.stored!.state);
    expect(heardOnB).toBeGreaterThan(20);
    a.close();
    b.close();
  });

  it('gives up with UNAVAILABLE when the store keeps changing under a change', async () => {
    const backing = new SharedBacking();
    const registry = await Registry.open(backing.store(), silentLogger());
    const rival = backing.store();
    let revision = 0;
    const store = backing.store();
    // Every save of this registry finds a rival's save just before it.
    const racing: RegistryStore = {
      ...store,
      save: async (state, expected) => {
        revision = await rival.save({ ...state, runners: {} }, backing.stored?.revision ?? 0);
        return store.save(state, expected);
      },
    };
    const loser = await Registry.open(racing, silentLogger());
    await expect(loser.mutate((draft) => void (draft.runners.x = runner('x')))).rejects.toMatchObject({ code: 14, details: expect.stringContaining('kept changing under this change') });
    expect(revision).toBeGreaterThan(20);
    expect(registry.current.runners).toEqual({});
  });
});
