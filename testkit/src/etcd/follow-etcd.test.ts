/**
 * followEtcd (common) on a folder of a real three-member etcd cluster: every put and delete
 * under the prefix once and in order, also those made while the follower's only member was
 * down (the watch resumes from the last revision it saw), and a snapshot of the folder again
 * when the revision to resume from was compacted away.
 */
import { createEtcdClient, etcdSchema, followEtcd, silentLogger, type EtcdConnection, type FollowHandlers } from '@infermesh/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from '../poll.js';
import { EtcdCluster } from './EtcdCluster.js';
import { etcdAvailable } from './etcd-gate.js';

const available = etcdAvailable();
let cluster: EtcdCluster;
let writer: EtcdConnection;
let follower: EtcdConnection;
const stops: (() => void)[] = [];

/** What the follower was handed, as lines: `snapshot a=1,b=2`, `put a=1`, `delete a`. */
function follow(prefix: string): string[] {
  const heard: string[] = [];
  const name = (key: Buffer) => key.toString().slice(prefix.length);
  const handlers: FollowHandlers = {
    snapshot: (kvs) => void heard.push(`snapshot ${kvs.map((kv) => `${name(kv.key)}=${kv.value.toString()}`).join(',')}`),
    change: (type, kv) => void heard.push(type === 'put' ? `put ${name(kv.key)}=${kv.value.toString()}` : `delete ${name(kv.key)}`),
  };
  stops.push(followEtcd(follower.client, { prefix }, handlers, { what: prefix, logger: silentLogger() }));
  return heard;
}

/** Kills the follower's only member, runs `writes` through the others, and starts it again (also when `writes` fails). */
async function whileFollowerMemberDown(writes: () => Promise<void>): Promise<void> {
  const [only] = cluster.members;
  await cluster.kill(only!);
  try {
    await cluster.leader();
    await writes();
  } finally {
    await cluster.restart(only!);
  }
}

beforeAll(async () => {
  if (!available) return;
  cluster = await EtcdCluster.start({ members: 3 });
  const [only, ...others] = cluster.members;
  // The follower reaches etcd through one member, the writer through the other two.
  follower = await createEtcdClient(etcdSchema.parse({ endpoints: [only!.clientUrl], callTimeoutMs: 3_000 }));
  // The writer's calls right after a member is killed wait for the election that follows, which
  // takes several seconds on a loaded machine: its deadline is long, the test is not about latency.
  writer = await createEtcdClient(etcdSchema.parse({ endpoints: others.map((member) => member.clientUrl), callTimeoutMs: 20_000 }));
}, 60_000);

afterAll(async () => {
  stops.forEach((stop) => stop());
  follower?.close();
  writer?.close();
  await cluster?.close();
});

describe.skipIf(!available)('following an etcd folder', () => {
  it('hands on the folder, then each put and delete once in order, also across its member going down', async () => {
    await writer.client.put('/f1/a').value('1').exec();
    const heard = follow('/f1/');
    await pollUntil(() => heard.length === 1, { timeoutMs: 10_000, what: 'the snapshot' });
    await writer.client.put('/f1/b').value('2').exec();
    await pollUntil(() => heard.length === 2, { timeoutMs: 10_000, what: 'the put of b' });
    await whileFollowerMemberDown(async () => {
      await writer.client.put('/f1/a').value('3').exec();
      await writer.client.delete().key('/f1/b').exec();
      await writer.client.put('/f1/c').value('4').exec();
    });
    await pollUntil(() => heard.length === 5, { timeoutMs: 30_000, what: 'the changes made while the member was down' });
    expect(heard).toEqual(['snapshot a=1', 'put b=2', 'put a=3', 'delete b', 'put c=4']);
  }, 60_000);

  it('reads the folder whole again when the revision to resume from was compacted', async () => {
    await writer.client.put('/f2/a').value('1').exec();
    const heard = follow('/f2/');
    await pollUntil(() => heard.length === 1, { timeoutMs: 10_000, what: 'the snapshot' });
    await whileFollowerMemberDown(async () => {
      await writer.client.put('/f2/b').value('2').exec();
      const { header } = await writer.client.delete().key('/f2/a').exec();
      await writer.client.kv.compact({ revision: header.revision, physical: true });
    });
    await pollUntil(() => heard.length === 2, { timeoutMs: 30_000, what: 'the folder read again' });
    expect(heard).toEqual(['snapshot a=1', 'snapshot b=2']);
  }, 60_000);
});
