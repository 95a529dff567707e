/**
 * The placement election on a real three-member etcd cluster: one leader at a time, a leader
 * that closes resigns and hands over at once, and a leader cut off from etcd steps down by
 * itself before etcd expires its lease and another candidate takes over.
 */
import { createEtcdClient, silentLogger, type EtcdConnection } from '@infermesh/common';
import { EtcdCluster, etcdAvailable, pollUntil } from '@infermesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdLeadership } from './EtcdLeadership.js';
import { etcdConfigOf } from './etcd-store.test-helper.js';

const TTL_SECONDS = 2;
const available = etcdAvailable();
let cluster: EtcdCluster;
const connections: EtcdConnection[] = [];
const candidates: EtcdLeadership[] = [];
/** Every change of lead, in order, with when it happened. */
const heard: { who: string; leader: boolean; atMs: number }[] = [];

function candidate(holder: string, endpoints = cluster.endpoints): EtcdLeadership {
  let shared: Promise<EtcdConnection> | undefined;
  const connect = () =>
    (shared ??= createEtcdClient(etcdConfigOf(endpoints, '/leadership-test')).then((connection) => {
      connections.push(connection);
      return connection;
    }));
  const leadership = new EtcdLeadership(connect, { prefix: '/leadership-test', ttlSeconds: TTL_SECONDS, holder }, silentLogger());
  leadership.onChange((leader) => heard.push({ who: holder, leader, atMs: performance.now() }));
  candidates.push(leadership);
  return leadership;
}

/** Who leads at each moment, replayed from `heard`: never more than one. */
function mostLeadersAtOnce(): number {
  const leading = new Set<string>();
  let most = 0;
  for (const change of heard) {
    if (change.leader) leading.add(change.who);
    else leading.delete(change.who);
    most = Math.max(most, leading.size);
  }
  return most;
}

beforeAll(async () => {
  if (!available) return;
  cluster = await EtcdCluster.start({ members: 3 });
}, 60_000);

afterAll(async () => {
  await Promise.all(candidates.map((each) => each.close()));
  for (const connection of connections) connection.close();
  await cluster?.close();
});

describe.skipIf(!available)('EtcdLeadership on a three-member etcd cluster', () => {
  it('elects one leader, hands over at once when it closes, and steps down before another leads when cut off from etcd', async () => {
    const [cut, ...others] = cluster.members;
    const first = candidate('a:1');
    // The second reaches etcd through one member only, so killing that member cuts it off.
    const second = candidate('b:1', [cut!.clientUrl]);
    const third = candidate('c:1', others.map((member) => member.clientUrl));
    first.start();
    await pollUntil(() => first.isLeader, { timeoutMs: 15_000, what: 'the first candidate to lead' });
    second.start();
    await new Promise((resolve) => setTimeout(resolve, 500));
    third.start();
    // Several TTLs pass: the leader renews its lease, the others keep waiting.
    await new Promise((resolve) => setTimeout(resolve, 2.5 * TTL_SECONDS * 1_000));
    expect([first.isLeader, second.isLeader, third.isLeader]).toEqual([true, false, false]);

    const closedAt = performance.now();
    await first.close();
    await pollUntil(() => second.isLeader, { timeoutMs: 15_000, intervalMs: 20, what: 'the second candidate to lead once the first resigned' });
    // Resigning revoked the lease: no waiting for the TTL.
    expect(performance.now() - closedAt).toBeLessThan(TTL_SECONDS * 1_000);

    await cluster.kill(cut!);
    await pollUntil(() => third.isLeader, { timeoutMs: 30_000, what: 'the third candidate to lead once the second lost etcd' });
    expect(second.isLeader).toBe(false);
    expect(heard.map(({ who, leader }) => `${who} ${leader}`)).toEqual(['a:1 true', 'a:1 false', 'b:1 true', 'b:1 false', 'c:1 true']);
    // The cut-off leader stepped down before etcd let the next one lead.
    expect(mostLeadersAtOnce()).toBe(1);
    await cluster.restart(cut!);
  }, 90_000);
});
