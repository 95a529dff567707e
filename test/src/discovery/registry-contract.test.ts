/**
 * The discovery contract with `discovery.type: registry`: a runner joins by RegisterRunner and
 * heartbeats, leaves by DeregisterRunner, and one that stops heartbeating leaves when its lease
 * runs out; what the registry lists live is what it streams to gateways. There is no
 * resolver (gateways route by the registry's routes) and one registry is no cluster of
 * members. With `static` discovery nothing joins or leaves, so the contract has nothing to
 * hold it to.
 */
import type { HeartbeatResponse__Output } from '@infermesh/proto/registry';
import { discoveryContract } from './discovery-contract.js';
import { startInProcessRegistry } from '../registry/in-process-registry.js';

const LEASE_MS = 600;

discoveryContract('registry (runner leases)', { members: false }, async () => {
  const registry = await startInProcessRegistry({ leaseMs: LEASE_MS });
  const heartbeats = new Set<NodeJS.Timeout>();
  return {
    async join(name, port) {
      const runner = { name, address: `127.0.0.1:${port}` };
      await registry.client.registerRunner({ ...runner, device: 'cpu' });
      // As a runner does: a heartbeat every third of the lease.
      const timer = setInterval(() => registry.client.stub.Heartbeat(runner, (_error: unknown, _answer?: HeartbeatResponse__Output) => undefined), LEASE_MS / 3);
      heartbeats.add(timer);
      const stop = () => {
        clearInterval(timer);
        heartbeats.delete(timer);
      };
      return {
        async leave() {
          stop();
          await new Promise<void>((resolve, reject) => registry.client.stub.DeregisterRunner(runner, (error: Error | null) => (error ? reject(error) : resolve())));
        },
        die: async () => stop(),
      };
    },
    listed: async () => (await registry.client.listRunners()).filter((runner) => runner.live).map((runner) => ({ id: runner.name, port: Number(runner.address.split(':').pop()) })),
    // The registry checks leases five times a lease.
    deathWithinMs: LEASE_MS * 2 + 2_000,
    async close() {
      for (const timer of heartbeats) clearInterval(timer);
      await registry.close();
    },
  };
});
