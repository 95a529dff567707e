/**
 * Consul discovery through real processes: one registry, four runners and three gateways
 * that know nothing of each other but Consul's address (a stand-in on 127.0.0.1, or the real
 * Consul at CONSUL_HTTP_ADDR). A canary rollout reaches every gateway, and a runner that
 * stops passing its gRPC health check leaves every gateway's routes, and comes back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mlpModel, waitFor } from '@infermesh/testkit';
import type { ServiceInstance } from '@infermesh/common/discovery';
import { mlpInput } from '../registry/models.js';
import { startConsulForTest, type ConsulForTest } from '../discovery/consul-for-test.js';
import { startConsulMesh, TEST_DISCOVERY, type ConsulMesh, type MeshGateway } from '../discovery/consul-mesh.js';

let consul: ConsulForTest;
let mesh: ConsulMesh;

/** Runs `count` mlp calls through `gateway`, 16 at a time; returns how many each version answered and the failures. */
async function callMlp(gateway: MeshGateway, count: number) {
  const versions = new Map<string, number>();
  const failures: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(16, count) }, async () => {
      while (next < count) {
        next++;
        try {
          const result = await gateway.client.infer('mlp', mlpInput(), { timeoutMs: 20_000 });
          versions.set(result.modelVersion, (versions.get(result.modelVersion) ?? 0) + 1);
        } catch (error) {
          failures.push(`${(error as { code?: number }).code} ${(error as { details?: string }).details}`);
        }
      }
    }),
  );
  return { versions: Object.fromEntries(versions), failures };
}

beforeAll(async () => {
  consul = await startConsulForTest({ ownProcess: true });
  mesh = await startConsulMesh({ consulAddress: consul.address, runners: 4, gateways: 3 });
  await mesh.register('mlp', 1, mlpModel(1));
  await mesh.register('mlp', 2, mlpModel(2));
  await mesh.registry.setRollout('mlp', { stable_version: 1 }, ['stable_version'], { actor: 'test' });
  await mesh.waitForReady('mlp', [1], 4);
}, 240_000);

afterAll(async () => {
  await mesh?.stop();
  await consul?.close();
});

describe('discovery through Consul', () => {
  it('registers every service in Consul under its instance name', async () => {
    const runners = await mesh.registry.listRunners();
    expect(runners.map((runner) => runner.name).sort()).toEqual(['cpu-0', 'cpu-1', 'cpu-2', 'cpu-3']);
    expect(runners.every((runner) => runner.live)).toBe(true);
    // A check can time out now and then on a loaded machine: wait for every instance of a service
    // to pass, and assert on the list that did.
    const allPassing = async (service: string, count: number) => {
      let instances: ServiceInstance[] = [];
      await waitFor(async () => (instances = await consul.passing(service)).length === count, 30_000, `${count} ${service} instances to pass their checks`);
      return instances;
    };
    const passing = await allPassing('infermesh-runner', 4);
    expect(passing.map((instance) => instance.meta.runner).sort()).toEqual(['cpu-0', 'cpu-1', 'cpu-2', 'cpu-3']);
    expect(passing.every((instance) => instance.meta.device === 'cpu' && instance.tags.includes('runner') && instance.id === `infermesh-runner-${instance.meta.runner}`)).toBe(true);
    await allPassing('infermesh-registry', 1);
    const gateways = await allPassing('infermesh-gateway', 3);
    expect(gateways.map((instance) => `${instance.host}:${instance.port}`).sort()).toEqual(mesh.gateways.map((gateway) => gateway.process.address).sort());
  });

  it('rolls a canary out to every gateway and promotes it, without a failed call', async () => {
    await mesh.registry.setRollout('mlp', { canary_version: 2, canary_weight_bp: 5_000 }, ['canary_version', 'canary_weight_bp'], { actor: 'test' });
    await mesh.waitForReady('mlp', [1, 2], 4);
    for (const gateway of mesh.gateways) await waitFor(() => gateway.client.modelReady('mlp', '2'), 30_000, `${gateway.process.name} to route mlp v2`);
    for (const gateway of mesh.gateways) {
      const { versions, failures } = await callMlp(gateway, 100);
      expect(failures).toEqual([]);
      // Half of 100 calls on each version, give or take: both are served.
      expect(versions['1']).toBeGreaterThan(20);
      expect(versions['2']).toBeGreaterThan(20);
    }

    await mesh.registry.promote('mlp', { actor: 'test' });
    for (const gateway of mesh.gateways) {
      await waitFor(async () => (await callMlp(gateway, 20)).versions['2'] === 20, 30_000, `${gateway.process.name} to send every call to v2`);
      const { versions, failures } = await callMlp(gateway, 100);
      expect(failures).toEqual([]);
      expect(versions).toEqual({ '2': 100 });
    }
  }, 180_000);

  it('takes a runner that fails its health check out of every gateway\'s routes, and back in when it passes', async () => {
    const victim = mesh.runners[3]!;
    const everyGatewayRoutes = async (present: boolean) => {
      const routed = await Promise.all(mesh.gateways.map((gateway) => mesh.routedRunners(gateway)));
      return routed.every((addresses) => addresses.includes(victim.address) === present);
    };
    await waitFor(() => everyGatewayRoutes(true), 30_000, 'every gateway to route to the runner');
    // Frozen: its port still accepts connections, but its health service never answers.
    victim.child.kill('SIGSTOP');
    try {
      const stoppedAt = performance.now();
      await waitFor(() => everyGatewayRoutes(false), 30_000, 'every gateway to leave the frozen runner out');
      console.log(`a frozen runner left the routes of 3 gateways ${Math.round(performance.now() - stoppedAt)} ms after it stopped answering (checks every ${TEST_DISCOVERY.checkIntervalMs} ms)`);
      const listed = await mesh.registry.listRunners();
      expect(listed.find((runner) => runner.name === 'cpu-3')?.live).toBe(false);
      expect((await consul.passing('infermesh-runner')).map((instance) => instance.meta.runner)).not.toContain('cpu-3');
      for (const gateway of mesh.gateways) {
        const { failures } = await callMlp(gateway, 50);
        expect(failures).toEqual([]);
      }
    } finally {
      victim.child.kill('SIGCONT');
    }
    await waitFor(() => everyGatewayRoutes(true), 60_000, 'every gateway to route to the runner again');
    expect((await mesh.registry.listRunners()).find((runner) => runner.name === 'cpu-3')?.live).toBe(true);
  }, 180_000);
});
