/**
 * etcd discovery through real processes against a real three-member etcd cluster on
 * loopback: a registry (its store in etcd), three runners and two gateways that know nothing
 * of each other but etcd's endpoints, with a canary rollout and calls through both gateways
 * from this process the whole time. Faults, with their figures printed:
 *
 * - kill -9 of the etcd leader member (found with the maintenance API): no call fails, and a
 *   rollout change made during the fault is applied exactly once (the rollout history);
 * - every etcd member down: the gateways keep serving on the routes they last heard, and say
 *   so in health (`infermesh.discovery` NOT_SERVING), on their status page and in their logs;
 *   when etcd returns they follow it again, and a rollout change made then reaches both;
 * - kill -9 of a runner: its key goes with its lease, and it leaves both gateways' routes.
 *
 * Skipped (saying what to install) where etcd is missing; fails under INFERMESH_REQUIRE_SERVICES=1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEtcdClient, etcdSchema, type EtcdConnection } from '@infermesh/common';
import { DISCOVERY_HEALTH_SERVICE, instanceOfValue } from '@infermesh/common/discovery';
import { EtcdCluster, etcdAvailable, mlpModel, pollUntil, waitFor } from '@infermesh/testkit';
import type { DiscoveredMesh } from '../discovery/discovered-mesh.js';
import { ETCD_TEST_DISCOVERY, startEtcdMesh } from '../discovery/etcd-mesh.js';
import { healthClient, healthStatus } from '../discovery/health-client.js';
import { SteadyLoad } from '../discovery/steady-load.js';

const available = etcdAvailable();
const PREFIX = '/infermesh-e2e';
/** The registry's store: etcd too (its placement leader's lease: 5 s). */
const STORE = { type: 'etcd', leaseTtlSeconds: 5 };
const ACTOR = 'etcd-fault-test';

let cluster: EtcdCluster;
let mesh: DiscoveredMesh;
let etcd: EtcdConnection;

/** The instances registered under `service` now, read straight from etcd. */
async function registered(service: string) {
  const values = await etcd.client.getAll().prefix(`${PREFIX}/services/${service}/`).buffers();
  return Object.values(values).flatMap((value) => instanceOfValue(value) ?? []);
}

/** What every gateway's grpc.health.v1 says of the discovery service (SERVING while etcd can be reached). */
async function discoveryHealth(): Promise<string[]> {
  return Promise.all(
    mesh.gateways.map(async (gateway) => {
      const client = healthClient(gateway.process.address);
      try {
        return await healthStatus(client, DISCOVERY_HEALTH_SERVICE);
      } finally {
        client.close();
      }
    }),
  );
}

/** Waits until every gateway's status page says etcd is `reachable` (or not). */
async function waitReachable(reachable: boolean, timeoutMs: number): Promise<void> {
  await pollUntil(async () => (await Promise.all(mesh.gateways.map((gateway) => mesh.status(gateway)))).every((status) => status.discovery?.reachable === reachable), {
    timeoutMs,
    what: `both gateways to report etcd ${reachable ? 'reachable' : 'unreachable'}`,
  });
}

/** True when every gateway's status page shows `mlp`'s rollout as `expected`. */
async function everyGatewayRollout(expected: { stable: string; canary: string; canaryWeightBps: number }): Promise<boolean> {
  const statuses = await Promise.all(mesh.gateways.map((gateway) => mesh.status(gateway)));
  return statuses.every((status) => {
    const rollout = status.models.find((model) => model.name === 'mlp')?.rollout;
    return rollout?.stable === expected.stable && rollout.canary === expected.canary && rollout.canaryWeightBps === expected.canaryWeightBps;
  });
}

/** How many SET events with `weight` by ACTOR the rollout history holds. */
async function setEventsWithWeight(weight: number): Promise<number> {
  const events = await mesh.registry.history('mlp', 100);
  return events.filter((event) => event.action === 'SET' && event.actor === ACTOR && event.canary_weight_bp === weight).length;
}

/** Calls `change` until the registry answers it, as an operator retrying would: the history then shows whether it was applied once. */
async function changeRollout(change: () => Promise<unknown>): Promise<{ attempts: number; ms: number }> {
  const started = performance.now();
  for (let attempts = 1; ; attempts++) {
    try {
      await change();
      return { attempts, ms: Math.round(performance.now() - started) };
    } catch (error) {
      if (attempts >= 30) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

const ms = (from: number) => Math.round(performance.now() - from);

beforeAll(async () => {
  if (!available) return;
  cluster = await EtcdCluster.start({ members: 3 });
  etcd = await createEtcdClient(etcdSchema.parse({ endpoints: cluster.endpoints, prefix: PREFIX }));
  mesh = await startEtcdMesh({ endpoints: cluster.endpoints, prefix: PREFIX, store: STORE, runners: 3, gateways: 2 });
  await mesh.register('mlp', 1, mlpModel(1));
  await mesh.register('mlp', 2, mlpModel(2));
  await mesh.registry.setRollout('mlp', { stable_version: 1, canary_version: 2, canary_weight_bp: 5_000 }, ['stable_version', 'canary_version', 'canary_weight_bp'], { actor: 'test' });
  await mesh.waitForReady('mlp', [1, 2], 3);
  for (const gateway of mesh.gateways) await waitFor(() => gateway.client.modelReady('mlp', '2'), 30_000, `${gateway.process.name} to route mlp v2`);
}, 300_000);

afterAll(async () => {
  await mesh?.stop();
  etcd?.close();
  await cluster?.close();
});

describe.skipIf(!available)('discovery through a real 3-member etcd cluster', () => {
  it('registers every service under a lease, and the registry takes runner liveness from etcd', async () => {
    const runners = await registered('infermesh-runner');
    expect(runners.map((instance) => instance.meta.runner).sort()).toEqual(['cpu-0', 'cpu-1', 'cpu-2']);
    expect(runners.every((instance) => instance.meta.device === 'cpu' && instance.tags.includes('runner'))).toBe(true);
    expect((await registered('infermesh-gateway')).length).toBe(2);
    expect((await registered('infermesh-registry')).length).toBe(1);
    const leases = await etcd.client.getAll().prefix(`${PREFIX}/services/`).exec();
    expect(leases.kvs.every((kv) => kv.lease !== '0')).toBe(true);
    expect((await mesh.registry.listRunners()).every((runner) => runner.live)).toBe(true);
    expect(await discoveryHealth()).toEqual(['SERVING', 'SERVING']);
  });

  it('loses no call and applies a rollout change once when the etcd leader is killed under a canary rollout', async () => {
    const load = new SteadyLoad(mesh.gateways, 4);
    try {
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const before = load.snapshot();
      const leader = await cluster.leader();
      const killedAt = performance.now();
      await cluster.kill(leader);
      // The change is made at once, while the members elect a new leader.
      const [change, { newLeader, electedMs }] = await Promise.all([
        changeRollout(() => mesh.registry.setRollout('mlp', { canary_weight_bp: 2_000 }, ['canary_weight_bp'], { actor: ACTOR, reason: 'during the leader kill' })),
        cluster.leader().then((elected) => ({ newLeader: elected, electedMs: ms(killedAt) })),
      ]);
      await pollUntil(() => everyGatewayRollout({ stable: '1', canary: '2', canaryWeightBps: 2_000 }), { timeoutMs: 30_000, what: 'both gateways to route with the change made during the fault' });
      const convergedMs = ms(killedAt);
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      const during = load.since(before);
      await cluster.restart(leader);
      const counts = await load.stop();
      console.log(
        `etcd leader ${leader.name} killed (kill -9) under load through 2 gateways: ${during.calls} calls from the kill to 3 s after convergence, ${during.failed} failed; ` +
          `new leader ${newLeader.name} after ${electedMs} ms; the rollout change was acknowledged ${change.ms} ms after the kill (${change.attempts} attempt(s)) and routed by both gateways ${convergedMs} ms after it; ` +
          `whole run ${counts.calls} calls, ${counts.failed} failed`,
      );
      expect(counts.failures).toEqual([]);
      expect(counts.failed).toBe(0);
      expect(await setEventsWithWeight(2_000)).toBe(1);
    } finally {
      await load.stop();
    }
  }, 180_000);

  it('keeps serving on the last routes with every etcd member down, says so, and converges when etcd returns', async () => {
    await waitFor(async () => (await mesh.registry.listRunners()).filter((runner) => runner.live).length === 3, 30_000, 'every runner to be live again');
    const load = new SteadyLoad(mesh.gateways, 4);
    try {
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const before = load.snapshot();
      const downAt = performance.now();
      await cluster.stopAll();
      await waitReachable(false, 30_000);
      const noticedMs = ms(downAt);
      expect(await discoveryHealth()).toEqual(['NOT_SERVING', 'NOT_SERVING']);
      for (const gateway of mesh.gateways) {
        const status = await mesh.status(gateway);
        expect(status.discovery).toMatchObject({ backend: 'etcd', reachable: false });
        expect(status.runners.length).toBe(3);
        expect(gateway.lines.some((line) => line.includes('etcd cannot be reached; keeping the instances and routes last heard'))).toBe(true);
      }
      // Below the lease TTL's double, after which etcd3 gives a lease up for lost.
      await new Promise((resolve) => setTimeout(resolve, 8_000));
      const outage = load.since(before);
      const outageMs = ms(downAt);

      const upAt = performance.now();
      await Promise.all(cluster.members.map((member) => cluster.restart(member)));
      await cluster.leader();
      await waitReachable(true, 60_000);
      const reachableMs = ms(upAt);
      expect(await discoveryHealth()).toEqual(['SERVING', 'SERVING']);
      const change = await changeRollout(() => mesh.registry.setRollout('mlp', { canary_weight_bp: 7_000 }, ['canary_weight_bp'], { actor: ACTOR, reason: 'after etcd returned' }));
      await pollUntil(() => everyGatewayRollout({ stable: '1', canary: '2', canaryWeightBps: 7_000 }), { timeoutMs: 30_000, what: 'both gateways to route with the change made after etcd returned' });
      const convergedMs = ms(upAt);
      const counts = await load.stop();
      console.log(
        `every etcd member down for ${outageMs} ms under load through 2 gateways: ${outage.calls} calls during the outage, ${outage.failed} failed; both gateways said so ${noticedMs} ms after; ` +
          `after the restart both followed etcd again within ${reachableMs} ms, and a rollout change (acknowledged after ${change.attempts} attempt(s)) reached both ${convergedMs} ms after the restart; ` +
          `whole run ${counts.calls} calls, ${counts.failed} failed`,
      );
      expect(counts.failures).toEqual([]);
      expect(counts.failed).toBe(0);
      expect(await setEventsWithWeight(7_000)).toBe(1);
      for (const gateway of mesh.gateways) expect(gateway.lines.some((line) => line.includes('etcd can be reached again'))).toBe(true);
    } finally {
      await load.stop();
    }
  }, 240_000);

  it('takes a runner killed with -9 out of both gateways\' routes when its lease expires', async () => {
    const victim = mesh.runners[2]!;
    const everyGatewayRoutes = async (present: boolean) =>
      (await Promise.all(mesh.gateways.map((gateway) => mesh.routedRunners(gateway)))).every((addresses) => addresses.includes(victim.address) === present);
    await waitFor(() => everyGatewayRoutes(true), 30_000, 'both gateways to route to the runner');
    const load = new SteadyLoad(mesh.gateways, 2);
    try {
      const killedAt = performance.now();
      victim.child.kill('SIGKILL');
      await pollUntil(async () => !(await registered('infermesh-runner')).some((instance) => instance.meta.runner === 'cpu-2'), { timeoutMs: 30_000, what: 'its key to go with its lease' });
      const keyGoneMs = ms(killedAt);
      await waitFor(() => everyGatewayRoutes(false), 30_000, 'both gateways to leave the dead runner out');
      const routesMs = ms(killedAt);
      const counts = await load.stop();
      console.log(
        `a runner killed with -9: its etcd key went ${keyGoneMs} ms later (lease TTL ${ETCD_TEST_DISCOVERY.leaseTtlSeconds} s) and it left both gateways' routes ${routesMs} ms later; ` +
          `${counts.calls} calls meanwhile, ${counts.failed} failed (the gateways retry UNAVAILABLE on another runner)`,
      );
      expect((await mesh.registry.listRunners()).find((runner) => runner.name === 'cpu-2')?.live).toBe(false);
      expect(counts.failures).toEqual([]);
    } finally {
      await load.stop();
    }
  }, 120_000);
});
