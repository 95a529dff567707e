/**
 * The discovery contract: the same assertions for every discovery backend. An instance that
 * joins is listed and, where the backend has a resolver, reached through it; one that leaves,
 * or dies without leaving (its lease or health check runs out), is gone; with none left the
 * list is empty and calls through the resolver fail with UNAVAILABLE naming the service; and,
 * where the backend has members to lose, it goes on through the loss of one.
 */
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGrpcServer, type StartedGrpcServer } from '@infermesh/common';
import { pollUntil } from '@infermesh/testkit';
import { healthCheck, healthClient, type HealthClient } from './health-client.js';

/** A joined instance, as the test drives it. */
export interface ContractMember {
  /** Leaves as a service that stops does. */
  leave(): Promise<void>;
  /** Stops without leaving, as a killed process would: no deregistration, no more keep-alives or heartbeats. */
  die(): Promise<void>;
}

/** A backend under the contract. */
export interface ContractBackend {
  /** Joins the instance `name` listening on 127.0.0.1:`port`. */
  join(name: string, port: number): Promise<ContractMember>;
  /** What the backend lists now, as its followers see it: each instance's ID and port. */
  listed(): Promise<{ id: string; port: number }[]>;
  /** The target of the joined instances' service (`etcd:///<service>`); absent where nothing resolves through the backend. */
  target?: string;
  /** How long an instance that dies may stay listed (its lease, or check interval and timeout), with slack. */
  deathWithinMs: number;
  /** Loses one member of the backend (its leader) while the test goes on; absent where there are no members to lose. */
  loseMember?: () => Promise<{ restore(): Promise<void> }>;
  close(): Promise<void>;
}

/** What the backend has: `members` to lose (etcd's cluster; a Consul stand-in or a registry is one process). */
export interface ContractCapabilities {
  members: boolean;
}

/** One instance: a gRPC server (with the health service) and its membership. */
interface Instance {
  name: string;
  server: StartedGrpcServer;
  member: ContractMember;
}

/**
 * Declares the contract's tests for the backend `start` makes (undefined: not available here,
 * the gate has said so, and every test skips).
 */
export function discoveryContract(name: string, capabilities: ContractCapabilities, start: () => Promise<ContractBackend | undefined>): void {
  let backend: ContractBackend | undefined;
  let client: HealthClient | undefined;
  const instances: Instance[] = [];

  const join = async (instanceName: string): Promise<Instance> => {
    const server = await startGrpcServer({ host: '127.0.0.1', port: 0, services: [], maxReceiveMessageBytes: 1 << 20, maxSendMessageBytes: 1 << 20 });
    const instance = { name: instanceName, server, member: await backend!.join(instanceName, server.port) };
    instances.push(instance);
    return instance;
  };
  let listed: { id: string; port: number }[] = [];
  const listedPorts = async () => (listed = await backend!.listed()).map((entry) => entry.port).sort((a, b) => a - b);
  const waitListed = (ports: number[], timeoutMs = 20_000) => {
    const expected = [...ports].sort((a, b) => a - b).join();
    return pollUntil(async () => (await listedPorts()).join() === expected, { timeoutMs, intervalMs: 50, what: `the backend to list ports [${expected}]`, describe: () => listed });
  };
  /** Where there is a resolver: a call through it reaches `port`. */
  const waitReached = async (port: number) => {
    if (!client) return;
    await pollUntil(async () => (await healthCheck(client!)) === port, { timeoutMs: 20_000, intervalMs: 50, what: `a call through ${backend!.target} to reach port ${port}` });
  };

  describe(`discovery contract: ${name}`, () => {
    beforeAll(async () => {
      backend = await start();
      if (backend?.target) client = healthClient(backend.target);
    }, 120_000);

    afterAll(async () => {
      client?.close();
      for (const instance of instances) {
        await instance.member.leave().catch(() => undefined);
        await instance.server.close();
      }
      await backend?.close();
    });

    it('lists an instance that joins, under its instance name, and reaches it through the resolver', async (context) => {
      if (!backend) return context.skip();
      const one = await join('one');
      await waitListed([one.server.port]);
      expect(listed[0]!.id).toContain('one');
      await waitReached(one.server.port);
    });

    it('drops an instance that leaves, from the list and from the channel', async (context) => {
      if (!backend) return context.skip();
      const [one] = instances;
      const two = await join('two');
      await waitListed([one!.server.port, two.server.port]);
      await waitReached(two.server.port);
      const leftAt = performance.now();
      await two.member.leave();
      await waitListed([one!.server.port], 5_000);
      console.log(`${name}: an instance that left was gone ${Math.round(performance.now() - leftAt)} ms later`);
      if (client) for (let i = 0; i < 5; i++) expect(await healthCheck(client)).toBe(one!.server.port);
    });

    it('drops an instance that dies without leaving, within its lease or check', async (context) => {
      if (!backend) return context.skip();
      const [one] = instances;
      const three = await join('three');
      await waitListed([one!.server.port, three.server.port]);
      const diedAt = performance.now();
      await three.member.die();
      await three.server.close();
      await waitListed([one!.server.port], backend.deathWithinMs);
      console.log(`${name}: an instance that died was gone ${Math.round(performance.now() - diedAt)} ms later (bound ${backend.deathWithinMs} ms)`);
      await waitReached(one!.server.port);
    });

    it('lists nothing once the last instance leaves (calls through the resolver fail with UNAVAILABLE naming the service), and lists one that joins again', async (context) => {
      if (!backend) return context.skip();
      const [one] = instances;
      await one!.member.leave();
      await waitListed([], 5_000);
      if (client) {
        let last: number | string = '';
        await pollUntil(async () => String((last = await healthCheck(client!))).includes(`code ${grpc.status.UNAVAILABLE}`), {
          timeoutMs: 20_000,
          what: 'calls to fail with UNAVAILABLE',
          describe: () => last,
        });
        expect(last).toContain(`'${backend.target!.replace(/^\w+:\/\/\//, '')}'`);
      }
      const four = await join('four');
      await waitListed([four.server.port]);
      await waitReached(four.server.port);
    });

    if (!capabilities.members) return;
    it('goes on through the loss of a backend member', async (context) => {
      if (!backend?.loseMember) return context.skip();
      const before = await listedPorts();
      const lost = await backend.loseMember();
      try {
        const five = await join('five');
        await waitListed([...before, five.server.port], 30_000);
        await waitReached(five.server.port);
        await five.member.leave();
        await waitListed(before, 10_000);
      } finally {
        await lost.restore();
      }
    }, 90_000);
  });
}
