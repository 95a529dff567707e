/**
 * The discovery contract: the same assertions for every backend (Consul, etcd), through the
 * code services use (`meshDiscoveryOf`, `join`, `watch`, the `<backend>:///<service>`
 * resolver). An instance that joins is seen by watches and reached through the resolver; one
 * that leaves, or dies without leaving (its lease or health check runs out), is gone; with
 * none left, calls fail with UNAVAILABLE naming the service; and, where the backend has
 * members to lose, a watch survives the loss of one.
 */
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, startGrpcServer, type StartedGrpcServer } from '@infermesh/common';
import { meshDiscoveryOf, type DiscoverySettings, type MeshDiscovery, type Presence, type ServiceInstance } from '@infermesh/common/discovery';
import { pollUntil } from '@infermesh/testkit';
import { healthCheck, healthClient, type HealthClient } from './health-client.js';

/** A backend under the contract. */
export interface ContractBackend {
  /** `consul` or `etcd`: the resolver's scheme. */
  scheme: string;
  /** The discovery settings of a process named `instanceName`, with `service` as the registry's service name. */
  settings(instanceName: string, service: string): DiscoverySettings;
  /** How long an instance that dies may stay listed (its lease TTL, or check interval and timeout), with slack. */
  deathWithinMs: number;
  /** Loses one member of the backend (its leader) while the test goes on; absent where there are no members to lose. */
  loseMember?: () => Promise<{ restore(): Promise<void> }>;
  close(): Promise<void>;
}

const logger = createLogger('discovery-contract', 'silent');

/** One instance: a gRPC server (with the health service) and its own link to the backend. */
interface Instance {
  server: StartedGrpcServer;
  link: MeshDiscovery;
  presence: Presence;
}

/** What the backend has: `members` to lose (etcd's cluster; a Consul stand-in is one process). */
export interface ContractCapabilities {
  members: boolean;
}

/**
 * Declares the contract's tests for the backend `start` makes (undefined: not available here,
 * the gate has said so, and every test skips).
 */
export function discoveryContract(name: string, capabilities: ContractCapabilities, start: () => Promise<ContractBackend | undefined>): void {
  const service = `contract-${process.pid}`;
  let backend: ContractBackend | undefined;
  let observer: MeshDiscovery;
  let seen: readonly ServiceInstance[] = [];
  let client: HealthClient;
  const instances: Instance[] = [];
  const links: MeshDiscovery[] = [];

  const link = async (instanceName: string) => {
    const made = (await meshDiscoveryOf(backend!.settings(instanceName, service), logger))!;
    links.push(made);
    return made;
  };
  const join = async (instanceName: string): Promise<Instance> => {
    const server = await startGrpcServer({ host: '127.0.0.1', port: 0, services: [], maxReceiveMessageBytes: 1 << 20, maxSendMessageBytes: 1 << 20 });
    const own = await link(instanceName);
    const presence = await own.join({ kind: 'registry', listenHost: '127.0.0.1', port: server.port, tls: false, logger });
    // join() points the resolver at its own link: the observer's is the one channels follow.
    observer.useResolver();
    const instance = { server, link: own, presence };
    instances.push(instance);
    return instance;
  };
  const seenPorts = () => seen.map((instance) => instance.port).sort((a, b) => a - b);
  const waitSeen = (ports: number[], timeoutMs = 20_000) =>
    pollUntil(() => seenPorts().join() === [...ports].sort((a, b) => a - b).join(), { timeoutMs, intervalMs: 50, what: `the watch to list ports [${ports.join()}]`, describe: seenPorts });
  const waitReached = (port: number) => pollUntil(async () => (await healthCheck(client)) === port, { timeoutMs: 20_000, intervalMs: 50, what: `a call through ${backend!.scheme}:///${service} to reach port ${port}` });

  describe(`discovery contract: ${name}`, () => {
    beforeAll(async () => {
      backend = await start();
      if (!backend) return;
      observer = await link('observer');
      observer.watch('registry', (list) => (seen = list)).start();
      observer.useResolver();
      client = healthClient(`${backend.scheme}:///${service}`);
    }, 120_000);

    afterAll(async () => {
      client?.close();
      for (const instance of instances) {
        await instance.presence.leave().catch(() => undefined);
        await instance.server.close();
      }
      for (const made of links) made.close();
      await backend?.close();
    });

    it('lists an instance that joins, under its instance name, and reaches it through the resolver', async (context) => {
      if (!backend) return context.skip();
      const one = await join('one');
      await waitSeen([one.server.port]);
      expect(seen[0]).toMatchObject({ id: `${service}-one`, host: '127.0.0.1', port: one.server.port, meta: { kind: 'registry' } });
      expect(seen[0]!.tags).toContain('registry');
      await waitReached(one.server.port);
    });

    it('drops an instance that leaves, from the watch and from the channel', async (context) => {
      if (!backend) return context.skip();
      const [one] = instances;
      const two = await join('two');
      await waitSeen([one!.server.port, two.server.port]);
      await waitReached(two.server.port);
      const leftAt = performance.now();
      await two.presence.leave();
      await waitSeen([one!.server.port], 5_000);
      console.log(`${name}: an instance that left was gone from the watch ${Math.round(performance.now() - leftAt)} ms later`);
      for (let i = 0; i < 5; i++) expect(await healthCheck(client)).toBe(one!.server.port);
    });

    it('drops an instance that dies without leaving, within its lease or check', async (context) => {
      if (!backend) return context.skip();
      const [one] = instances;
      const three = await join('three');
      await waitSeen([one!.server.port, three.server.port]);
      // Killed, as far as the backend can tell: no deregistration, no more keep-alives or answers.
      const diedAt = performance.now();
      three.link.close();
      await three.server.close();
      await waitSeen([one!.server.port], backend.deathWithinMs);
      console.log(`${name}: an instance that died was gone from the watch ${Math.round(performance.now() - diedAt)} ms later (bound ${backend.deathWithinMs} ms)`);
      await waitReached(one!.server.port);
    });

    it('fails calls with UNAVAILABLE naming the service when no instance is left, and recovers when one joins', async (context) => {
      if (!backend) return context.skip();
      const [one] = instances;
      await one!.presence.leave();
      await waitSeen([], 5_000);
      let last: number | string = '';
      await pollUntil(async () => String((last = await healthCheck(client))).includes(`code ${grpc.status.UNAVAILABLE}`), {
        timeoutMs: 20_000,
        what: 'calls to fail with UNAVAILABLE',
        describe: () => last,
      });
      expect(last).toContain(`'${service}'`);
      const four = await join('four');
      await waitReached(four.server.port);
    });

    if (!capabilities.members) return;
    it('keeps watching through the loss of a backend member', async (context) => {
      if (!backend?.loseMember) return context.skip();
      const before = seenPorts();
      const lost = await backend.loseMember();
      try {
        const five = await join('five');
        await waitSeen([...before, five.server.port], 30_000);
        await waitReached(five.server.port);
        await five.presence.leave();
        await waitSeen(before, 10_000);
      } finally {
        await lost.restore();
      }
    }, 90_000);
  });
}
