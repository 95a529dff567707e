/**
 * Placement leadership across registry processes on one Consul (the stand-in, or
 * CONSUL_HTTP_ADDR): one replica holds `<prefix>/leader`; when its process is killed (-9, so
 * its session is never destroyed) the other takes the lock once the session's TTL runs out;
 * a replica that stops normally destroys its session and frees the lock at once.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createConsulClient, mainScript, spawnService, type ConsulConnection, type SpawnedService } from '@infermesh/common';
import { pollUntil, startConsulTarget, type ConsulTarget } from '@infermesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const TTL_SECONDS = 2;
let target: ConsulTarget;
let consul: ConsulConnection;
let dir: string;
const replicas: { service: SpawnedService; lines: string[] }[] = [];
const leaderKey = () => `${target.prefix}/registry/leader`;

async function startReplica(name: string): Promise<{ service: SpawnedService; lines: string[] }> {
  const dataDir = path.join(dir, name);
  const lines: string[] = [];
  const service = await spawnService({
    name: `registry/${name}`,
    script: mainScript('@infermesh/registry'),
    env: {
      INFERMESH_CONFIG: path.join(dir, 'mesh.json'),
      INFERMESH_DATA_DIR: dataDir,
      CONSUL_HTTP_ADDR: target.address,
      ...(target.token ? { CONSUL_HTTP_TOKEN: target.token } : {}),
    },
    onLine: (line) => lines.push(line),
  });
  const replica = { service, lines };
  replicas.push(replica);
  return replica;
}

/** Who holds the leader lock now: the holder's address, or undefined when the lock is free. */
async function leader(): Promise<string | undefined> {
  const entry = (await consul.client.kv.get(leaderKey())) as { Value: string; Session?: string } | undefined;
  return entry?.Session ? (JSON.parse(entry.Value) as { holder: string }).holder : undefined;
}

beforeAll(async () => {
  target = await startConsulTarget({ sessionTtlMinMs: 1_000 });
  consul = await createConsulClient({ address: target.address, ...(target.token ? { token: target.token } : {}) });
  dir = await mkdtemp(path.join(tmpdir(), 'infermesh-leader-'));
  const mesh = {
    log: { level: 'info' },
    runners: [{ name: 'unused', device: 'cpu', port: 0 }],
    registry: { port: 0, store: { type: 'consul', prefix: `${target.prefix}/registry`, sessionTtlSeconds: TTL_SECONDS } },
  };
  await writeFile(path.join(dir, 'mesh.json'), JSON.stringify(mesh));
}, 60_000);

afterAll(async () => {
  await Promise.all(replicas.map((replica) => replica.service.stop(2_000)));
  consul?.close();
  await target?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('placement leader among registry replicas', () => {
  it('hands placement to the other replica when the leader is killed, and frees the lock when a replica stops', async () => {
    const [first, second] = await Promise.all([startReplica('a'), startReplica('b')]);
    const addresses = [first!.service.address, second!.service.address];
    await pollUntil(async () => addresses.includes((await leader()) ?? ''), { timeoutMs: 30_000, what: 'one replica to take the leader lock' });
    const holder = (await leader())!;
    const [doomed, survivor] = holder === first!.service.address ? [first!, second!] : [second!, first!];
    expect(doomed.lines.some((line) => line.includes('this registry replica leads placement'))).toBe(true);
    expect(survivor.lines.some((line) => line.includes('this registry replica leads placement'))).toBe(false);

    // kill -9: no shutdown, the session is left to lapse.
    const killedAt = performance.now();
    doomed.service.child.kill('SIGKILL');
    await doomed.service.exited;
    await pollUntil(async () => (await leader()) === survivor.service.address, { timeoutMs: 30_000, intervalMs: 50, what: 'the survivor to take the leader lock' });
    const handoverMs = performance.now() - killedAt;
    process.stdout.write(`placement leader handover after kill -9: ${Math.round(handoverMs)} ms (session TTL ${TTL_SECONDS} s)\n`);
    await pollUntil(() => survivor.lines.some((line) => line.includes('this registry replica leads placement')), { timeoutMs: 10_000, what: 'the survivor to say it leads' });

    // A replica that stops normally destroys its session: the lock is free at once, not after the TTL.
    await survivor.service.stop();
    expect(await leader()).toBeUndefined();
  }, 120_000);
});
