/**
 * The Consul store against the Consul stand-in (or a real Consul, CONSUL_HTTP_ADDR), beyond
 * the store contract (contract/, which also follows saves across stores): saves are
 * check-and-set on the head, a state past Consul's 512 KiB value limit is chunked and read
 * back whole, and replaced chunks are deleted.
 */
import { createConsulClient, silentLogger } from '@infermesh/common';
import { startConsulTarget, type ConsulTarget } from '@infermesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreConflictError } from '../RegistryStore.js';
import { stateOf } from '../state-fixtures.test-helper.js';
import { ConsulRegistryStore } from './ConsulRegistryStore.js';

let target: ConsulTarget;
const stores: ConsulRegistryStore[] = [];

function store(prefix: string): ConsulRegistryStore {
  const config = { address: target.address, ...(target.token ? { token: target.token } : {}) };
  const created = new ConsulRegistryStore(() => createConsulClient(config), { prefix: `${target.prefix}/${prefix}`, sessionTtlSeconds: 2 }, target.address, silentLogger());
  stores.push(created);
  return created;
}

beforeAll(async () => {
  target = await startConsulTarget({ sessionTtlMinMs: 1_000 });
});
afterAll(async () => {
  await Promise.all(stores.map((each) => each.close()));
  await target.close();
});

describe('ConsulRegistryStore', () => {
  it('loads nothing at first, then what it saved; a save from a stale revision is a conflict', async () => {
    const first = store('cas');
    const second = store('cas');
    expect(await first.load()).toBeUndefined();
    const one = await first.save(stateOf(1, 'a'), 0);
    expect(one).toBeGreaterThan(0);
    // The second store also thought nothing was saved: it loses.
    await expect(second.save(stateOf(1, 'b'), 0)).rejects.toBeInstanceOf(StoreConflictError);
    expect(await second.load()).toEqual({ state: stateOf(1, 'a'), revision: one });
    const two = await second.save(stateOf(1, 'c'), one);
    expect(two).toBeGreaterThan(one);
    await expect(first.save(stateOf(1, 'd'), one)).rejects.toBeInstanceOf(StoreConflictError);
    expect((await store('cas').load())?.state).toEqual(stateOf(1, 'c'));
  });

  it('splits a state past the value limit into chunks, reads it back whole, and deletes the chunks it replaced', async () => {
    const big = store('big');
    const large = stateOf(1_700_000, 'large');
    expect(Buffer.byteLength(JSON.stringify(large))).toBeGreaterThan(3 * 512 * 1024);
    const revision = await big.save(large, 0);
    const consul = await createConsulClient({ address: target.address, ...(target.token ? { token: target.token } : {}) });
    try {
      const chunkKeys = async () => ((await consul.client.kv.keys({ key: `${target.prefix}/big/chunks/` }).catch(() => [])) as string[]) ?? [];
      expect((await chunkKeys()).length).toBeGreaterThanOrEqual(4);
      const loaded = await store('big').load();
      expect(loaded?.revision).toBe(revision);
      expect(loaded?.state).toEqual(large);
      // A small state replaces it: inline in the head, and the large one's chunks are gone.
      await big.save(stateOf(1, 'small'), revision);
      expect(await chunkKeys()).toEqual([]);
      expect((await store('big').load())?.state).toEqual(stateOf(1, 'small'));
    } finally {
      consul.close();
    }
  });
});
