/** A failed folder fsync after the rename: reported as "changed, durability unknown", and the next save goes through. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { silentLogger } from '@infermesh/common';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Registry } from '../Registry.js';
import { emptyState, type RegistryState } from '../state/registry-state.js';
import { FileRegistryStore, syncFolder } from './FileRegistryStore.js';
import { StoreDurabilityUnknownError } from './RegistryStore.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'infermesh-store-fsync-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const runner = (name: string) => ({ name, address: '127.0.0.1:1', device: 'cpu', memoryBytes: 0, version: '0.1.0', registeredAtMs: 1, versions: [] });
const stateWith = (name: string): RegistryState => ({ ...emptyState(), runners: { [name]: runner(name) } });

/** A folder fsync that fails the next `failures` times with EIO. */
function flakySync(failures: number): (folder: string) => Promise<void> {
  return async (folder) => {
    if (failures-- > 0) throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
    await syncFolder(folder);
  };
}

describe('a folder fsync that fails after the rename', () => {
  it('is reported as changed, durability unknown, with the new revision, and the next save goes through', async () => {
    const store = new FileRegistryStore(dir, flakySync(1));
    await store.load();
    const failure = await store.save(stateWith('a'), 0).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(StoreDurabilityUnknownError);
    expect(failure).toMatchObject({ revision: 1, message: expect.stringContaining('changed to revision 1, durability unknown: fsync of') });
    expect(await store.save(stateWith('b'), 1)).toBe(2);
    expect(await new FileRegistryStore(dir).load()).toEqual({ state: stateWith('b'), revision: 2 });
  });

  it('commits the change in the registry, tells the caller, and lets the next change save', async () => {
    const registry = await Registry.open(new FileRegistryStore(dir, flakySync(1)), silentLogger());
    await expect(registry.mutate((draft) => void (draft.runners.a = runner('a')))).rejects.toMatchObject({
      code: 13,
      details: expect.stringContaining('changed, durability unknown'),
    });
    expect(Object.keys(registry.current.runners)).toEqual(['a']);
    await registry.mutate((draft) => void (draft.runners.b = runner('b')));
    expect((await new FileRegistryStore(dir).load())?.state.runners).toEqual({ a: runner('a'), b: runner('b') });
  });
});
