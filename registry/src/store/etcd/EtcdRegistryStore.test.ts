/**
 * The etcd store against a real three-member etcd cluster, beyond the store contract
 * (contract/): a state past etcd's 1.5 MiB request limit is chunked and read back whole, a
 * watcher sees every save of a fast writer once and in order, also across its own disconnect
 * (resumed from the last revision it saw), and reads the state again after a compaction.
 */
import { createEtcdClient, type EtcdConnection } from '@infermesh/common';
import { EtcdCluster, etcdAvailable, pollUntil } from '@infermesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredState } from '../RegistryStore.js';
import { stateOf, tagOf } from '../state-fixtures.test-helper.js';
import type { EtcdRegistryStore } from './EtcdRegistryStore.js';
import { etcdConfigOf, etcdStoreOn } from './etcd-store.test-helper.js';

const available = etcdAvailable();
let cluster: EtcdCluster;
let admin: EtcdConnection;
const stores: EtcdRegistryStore[] = [];

function store(prefix: string, endpoints = cluster.endpoints): EtcdRegistryStore {
  const created = etcdStoreOn(endpoints, `/store-test/${prefix}`);
  stores.push(created);
  return created;
}

beforeAll(async () => {
  if (!available) return;
  cluster = await EtcdCluster.start({ members: 3 });
  admin = await createEtcdClient(etcdConfigOf(cluster.endpoints, '/store-test'));
}, 60_000);

afterAll(async () => {
  await Promise.all(stores.map((each) => each.close()));
  admin?.close();
  await cluster?.close();
});

describe.skipIf(!available)('EtcdRegistryStore on a three-member etcd cluster', () => {
  it("splits a state past etcd's request limit into chunks, reads it back whole, and deletes the chunks it replaced", async () => {
    const big = store('big');
    const large = stateOf(3_500_000, 'large');
    expect(Buffer.byteLength(JSON.stringify(large))).toBeGreaterThan(2 * 1.5 * 1024 * 1024);
    const revision = await big.save(large, 0);
    const chunkKeys = () => admin.client.getAll().prefix('/store-test/big/registry/chunks/').keys();
    expect((await chunkKeys()).length).toBeGreaterThanOrEqual(3);
    const loaded = await store('big').load();
    expect(loaded?.revision).toBe(revision);
    expect(loaded?.state).toEqual(large);
    // A small state replaces it: inline in the head, and the large one's chunks are gone.
    await big.save(stateOf(1, 'small'), revision);
    expect(await chunkKeys()).toEqual([]);
    expect((await store('big').load())?.state).toEqual(stateOf(1, 'small'));
  });

  it("hands every other store's save to a watcher once, in order", async () => {
    const writer = store('watch');
    const watcher = store('watch');
    await watcher.load();
    const seen: StoredState[] = [];
    const stop = watcher.watch((stored) => seen.push(stored));
    try {
      let revision = 0;
      const tags = Array.from({ length: 20 }, (_, i) => `w${i}`);
      for (const tag of tags) revision = await writer.save(stateOf(1, tag), revision);
      await pollUntil(() => seen.at(-1)?.revision === revision, { timeoutMs: 20_000, what: 'the watcher to see the last save' });
      expect(seen.map(tagOf)).toEqual(tags);
    } finally {
      stop();
    }
  });

  it('resumes a watch cut off by its member going down from the last revision it saw: nothing missed, nothing twice', async () => {
    const [cut, ...others] = cluster.members;
    // The watcher reaches etcd through one member only; the writer through the two others.
    const watcher = store('resume', [cut!.clientUrl]);
    const writer = store('resume', others.map((member) => member.clientUrl));
    let revision = await writer.save(stateOf(1, 'before'), 0);
    await watcher.load();
    const seen: StoredState[] = [];
    const stop = watcher.watch((stored) => seen.push(stored));
    try {
      revision = await writer.save(stateOf(1, 'r0'), revision);
      await pollUntil(() => seen.length === 1, { timeoutMs: 20_000, what: 'the watcher to see r0' });
      await cluster.kill(cut!);
      await cluster.leader();
      const during = ['r1', 'r2', 'r3', 'r4', 'r5'];
      for (const tag of during) revision = await writer.save(stateOf(1, tag), revision);
      await cluster.restart(cut!);
      await pollUntil(() => seen.at(-1)?.revision === revision, { timeoutMs: 30_000, what: 'the watcher to catch up after its member came back' });
      expect(seen.map(tagOf)).toEqual(['r0', ...during]);
    } finally {
      stop();
    }
  }, 60_000);

  it('reads the state again when the revision a watch would resume from was compacted away', async () => {
    const [cut, ...others] = cluster.members;
    const watcher = store('compact', [cut!.clientUrl]);
    const writer = store('compact', others.map((member) => member.clientUrl));
    let revision = await writer.save(stateOf(1, 'c0'), 0);
    await watcher.load();
    const seen: StoredState[] = [];
    const stop = watcher.watch((stored) => seen.push(stored));
    try {
      await cluster.kill(cut!);
      await cluster.leader();
      for (const tag of ['c1', 'c2', 'c3']) revision = await writer.save(stateOf(1, tag), revision);
      const compactor = await createEtcdClient(etcdConfigOf(others.map((member) => member.clientUrl), '/store-test'));
      try {
        await compactor.client.kv.compact({ revision: String(revision), physical: true });
      } finally {
        compactor.close();
      }
      await cluster.restart(cut!);
      await pollUntil(() => seen.at(-1)?.revision === revision, { timeoutMs: 30_000, what: 'the watcher to read the state after the compaction' });
      // The saves in between are gone from etcd's history; the newest state arrives, once.
      expect(seen.map(tagOf)).toEqual(['c3']);
      expect(seen.at(-1)?.state).toEqual(stateOf(1, 'c3'));
    } finally {
      stop();
    }
  }, 60_000);
});
