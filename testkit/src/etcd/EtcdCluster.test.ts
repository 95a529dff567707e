/**
 * The test cluster itself: three real etcd members elect a leader, a kill -9 of the leader
 * makes the other two elect another without losing a committed key, and the killed member
 * comes back on its data. Through the mesh's own client factory (createEtcdClient).
 */
import { createEtcdClient, etcdSchema, type EtcdConnection } from '@infermesh/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdCluster } from './EtcdCluster.js';
import { etcdAvailable } from './etcd-gate.js';

const available = etcdAvailable();
let cluster: EtcdCluster;
let etcd: EtcdConnection;

beforeAll(async () => {
  if (!available) return;
  cluster = await EtcdCluster.start({ members: 3 });
  etcd = await createEtcdClient(etcdSchema.parse({ endpoints: cluster.endpoints, prefix: '/cluster-test' }));
}, 60_000);

afterAll(async () => {
  etcd?.close();
  await cluster?.close();
});

describe.skipIf(!available)('a three-member etcd test cluster', () => {
  it('elects a leader, elects another when the leader is killed, and takes the killed member back', async () => {
    expect(cluster.endpoints).toHaveLength(3);
    const first = await cluster.leader();
    expect(cluster.members).toContain(first);
    await etcd.client.put('/cluster-test/before').value('committed');

    const killedAt = performance.now();
    await cluster.kill(first);
    expect(first.running).toBe(false);
    const second = await cluster.leader();
    process.stdout.write(`etcd leader re-elected ${Math.round(performance.now() - killedAt)} ms after kill -9 of ${first.name}\n`);
    expect(second.name).not.toBe(first.name);
    // Two of three keep the quorum: committed data is there, and writes go on.
    expect(await etcd.client.get('/cluster-test/before').string()).toBe('committed');
    await etcd.client.put('/cluster-test/during').value('written with one member down');

    await cluster.restart(first);
    expect(first.running).toBe(true);
    await cluster.leader();
    const direct = await createEtcdClient(etcdSchema.parse({ endpoints: [first.clientUrl] }));
    try {
      // A linearizable read through the restarted member sees what was written while it was down.
      expect(await direct.client.get('/cluster-test/during').string()).toBe('written with one member down');
    } finally {
      direct.close();
    }
  }, 60_000);

  it('fails calls when every member is down, and serves them again once the members restart', async () => {
    await cluster.stopAll();
    expect(cluster.members.every((member) => !member.running)).toBe(true);
    const quick = await createEtcdClient(etcdSchema.parse({ endpoints: cluster.endpoints, dialTimeoutMs: 500, callTimeoutMs: 1_000 }));
    try {
      await expect(quick.client.get('/cluster-test/before').string()).rejects.toThrow();
      await Promise.all(cluster.members.map((member) => cluster.restart(member)));
      await cluster.leader();
      expect(await etcd.client.get('/cluster-test/before').string()).toBe('committed');
    } finally {
      quick.close();
    }
  }, 60_000);
});
