/**
 * Placement leadership across registry processes on a real three-member etcd cluster: one
 * replica's candidate key leads the election; when its process is killed (-9, so it never
 * resigns) another replica leads once etcd expires the dead one's lease, measured from this
 * process (outside both); a replica that stops normally resigns and frees the lead at once.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createEtcdClient, mainScript, spawnService, type EtcdConnection, type SpawnedService } from '@infermesh/common';
import { EtcdCluster, etcdAvailable, pollUntil } from '@infermesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { placementElection } from './EtcdLeadership.js';
import { etcdConfigOf } from './etcd-store.test-helper.js';

const TTL_SECONDS = 2;
const PREFIX = '/failover-test';
const ROUNDS = 3;
const available = etcdAvailable();
let cluster: EtcdCluster;
let etcd: EtcdConnection;
let dir: string;
const replicas: { service: SpawnedService; lines: string[] }[] = [];
const leads = (replica: { lines: string[] }) => replica.lines.some((line) => line.includes('this registry replica leads placement'));

async function startReplica(name: string): Promise<{ service: SpawnedService; lines: string[] }> {
  const lines: string[] = [];
  const service = await spawnService({
    name: `registry/${name}`,
    script: mainScript('@infermesh/registry'),
    env: { INFERMESH_CONFIG: path.join(dir, 'mesh.json'), INFERMESH_DATA_DIR: path.join(dir, name) },
    onLine: (line) => lines.push(line),
  });
  const replica = { service, lines };
  replicas.push(replica);
  return replica;
}

/** Who leads the election now (the holder's address), as etcd says. */
async function leader(): Promise<string | undefined> {
  const value = await placementElection(etcd.client, `${PREFIX}/registry`).leader();
  return value === undefined ? undefined : (JSON.parse(value) as { holder: string }).holder;
}

beforeAll(async () => {
  if (!available) return;
  cluster = await EtcdCluster.start({ members: 3 });
  etcd = await createEtcdClient(etcdConfigOf(cluster.endpoints, PREFIX));
  dir = await mkdtemp(path.join(tmpdir(), 'infermesh-etcd-leader-'));
  const mesh = {
    log: { level: 'info' },
    runners: [{ name: 'unused', device: 'cpu', port: 0 }],
    registry: { port: 0, store: { type: 'etcd', leaseTtlSeconds: TTL_SECONDS } },
    etcd: { endpoints: cluster.endpoints, prefix: PREFIX },
  };
  await writeFile(path.join(dir, 'mesh.json'), JSON.stringify(mesh));
}, 60_000);

afterAll(async () => {
  await Promise.all(replicas.map((replica) => replica.service.stop(2_000)));
  etcd?.close();
  await cluster?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!available)('placement leader among registry processes on etcd', () => {
  it(`hands placement to another replica within the lease TTL when the leader is killed (${ROUNDS} times), and frees the lead when a replica stops`, async () => {
    let standing = await Promise.all([startReplica('r0'), startReplica('r1')]);
    const figures: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const addresses = standing.map((replica) => replica.service.address);
      await pollUntil(async () => addresses.includes((await leader()) ?? ''), { timeoutMs: 30_000, what: 'one replica to lead the election' });
      const holder = (await leader())!;
      const doomed = standing.find((replica) => replica.service.address === holder)!;
      const survivor = standing.find((replica) => replica !== doomed)!;
      await pollUntil(() => leads(doomed), { timeoutMs: 10_000, what: 'the leader to say it leads' });
      expect(leads(survivor)).toBe(false);

      // kill -9: no resignation, the lease is left to expire.
      const killedAt = performance.now();
      doomed.service.child.kill('SIGKILL');
      await doomed.service.exited;
      await pollUntil(async () => (await leader()) === survivor.service.address, { timeoutMs: 30_000, intervalMs: 20, what: 'the survivor to lead the election' });
      const electedMs = performance.now() - killedAt;
      await pollUntil(() => leads(survivor), { timeoutMs: 10_000, intervalMs: 20, what: 'the survivor to say it leads placement' });
      const placingMs = performance.now() - killedAt;
      figures.push(placingMs);
      process.stdout.write(
        `round ${round}: placement leader handover after kill -9: elected ${Math.round(electedMs)} ms, placing ${Math.round(placingMs)} ms (lease TTL ${TTL_SECONDS} s)\n`,
      );
      // etcd expires a lease a TTL after its last renewal (at most a TTL before the kill),
      // checking every 500 ms; the rest is the watch and the log line, on a busy machine.
      expect(placingMs).toBeLessThan(TTL_SECONDS * 1_000 + 1_500);
      standing = [survivor, await startReplica(`r${round + 1}`)];
    }
    process.stdout.write(`placement handover after kill -9 over ${ROUNDS} rounds: ${figures.map((ms) => Math.round(ms)).join(', ')} ms\n`);

    // A replica that stops normally resigns: the other leads at once, not after the TTL.
    const holder = (await leader())!;
    const stopping = standing.find((replica) => replica.service.address === holder)!;
    const other = standing.find((replica) => replica !== stopping)!;
    const stoppedAt = performance.now();
    await stopping.service.stop();
    await pollUntil(async () => (await leader()) === other.service.address, { timeoutMs: 10_000, intervalMs: 20, what: 'the other replica to lead once the leader stopped' });
    expect(performance.now() - stoppedAt).toBeLessThan(TTL_SECONDS * 1_000);
  }, 180_000);
});
