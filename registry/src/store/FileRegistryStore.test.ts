import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { emptyState, type RegistryState } from '../state/registry-state.js';
import { FileRegistryStore } from './FileRegistryStore.js';
import { StoreConflictError } from './RegistryStore.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'infermesh-store-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const stateWith = (runner: string): RegistryState => ({
  ...emptyState(),
  runners: { [runner]: { name: runner, address: '127.0.0.1:1', device: 'cpu', memoryBytes: 0, version: '0.1.0', registeredAtMs: 1, versions: [] } },
});

describe('FileRegistryStore', () => {
  it('loads nothing from an empty folder, then exactly what it saved, with increasing revisions', async () => {
    const store = new FileRegistryStore(dir);
    expect(await store.load()).toBeUndefined();
    expect(await store.save(stateWith('a'), 0)).toBe(1);
    expect(await store.save(stateWith('b'), 1)).toBe(2);
    const reopened = new FileRegistryStore(dir);
    expect(await reopened.load()).toEqual({ state: stateWith('b'), revision: 2 });
    // Only the state file remains: no temporary file is left behind.
    expect(await readdir(dir)).toEqual(['state.json']);
    // It holds the whole registry: its owner's only, whatever the umask.
    expect((await stat(path.join(dir, 'state.json'))).mode & 0o777).toBe(0o600);
  });

  it('refuses a save from a stale revision, and a save after another writer replaced the file', async () => {
    const first = new FileRegistryStore(dir);
    await first.load();
    await first.save(stateWith('a'), 0);
    await expect(first.save(stateWith('b'), 0)).rejects.toBeInstanceOf(StoreConflictError);
    const second = new FileRegistryStore(dir);
    await second.load();
    await second.save(stateWith('c'), 1);
    await expect(first.save(stateWith('d'), 1)).rejects.toThrowError(/replaced by another writer/);
    expect((await new FileRegistryStore(dir).load())?.state).toEqual(stateWith('c'));
  });

  it('ignores temporary files an interrupted save left, and names the file when it is not a state', async () => {
    const store = new FileRegistryStore(dir);
    await store.load();
    await store.save(stateWith('a'), 0);
    await writeFile(path.join(dir, '.state.json.dead.tmp'), '{"half":');
    expect((await new FileRegistryStore(dir).load())?.state).toEqual(stateWith('a'));

    const file = path.join(dir, 'state.json');
    const saved = JSON.parse(await readFile(file, 'utf8')) as { state: { runners: Record<string, { memoryBytes: unknown }> } };
    saved.state.runners.a!.memoryBytes = 'lots';
    await writeFile(file, JSON.stringify(saved));
    await expect(new FileRegistryStore(dir).load()).rejects.toThrowError(`${file}: state.runners.a.memoryBytes: `);
    await writeFile(file, 'not json');
    await expect(new FileRegistryStore(dir).load()).rejects.toThrowError(`${file}: not valid JSON`);
  });
});
