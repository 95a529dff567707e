/**
 * The `consul:` resolver and a service's own registration, against Consul (the stand-in, or
 * the real one at CONSUL_HTTP_ADDR): a channel to `consul:///<service>` reaches the passing
 * instances only, moves off one whose health check fails, and fails with UNAVAILABLE when
 * none passes; a registration carries a gRPC check of the service's own health and is gone
 * once the service leaves.
 */
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, startGrpcServer, type StartedGrpcServer } from '@infermesh/common';
import { consulDiscoverySchema, consulDiscoveryOf, joinConsul, type ConsulDiscovery, type ConsulPresence } from '@infermesh/common/discovery';
import { pollUntil, waitFor } from '@infermesh/testkit';
import { startConsulForTest, type ConsulForTest } from './consul-for-test.js';
import { healthCheck as check, healthClient, type HealthClient } from './health-client.js';

const logger = createLogger('consul-resolver-test', 'silent');
const SERVICE = 'resolver-test';
let consul: ConsulForTest;
const servers: StartedGrpcServer[] = [];
const presences: ConsulPresence[] = [];
const links: ConsulDiscovery[] = [];

/** A Consul link for instance `name`, with fast checks and a registry service name of its own. */
async function link(name: string): Promise<ConsulDiscovery> {
  const config = consulDiscoverySchema.parse({ type: 'consul', services: { registry: SERVICE }, checkIntervalMs: 300, checkTimeoutMs: 250, blockingWaitMs: 5_000, backoffInitialMs: 50, backoffMaxMs: 500 });
  const discovery = (await consulDiscoveryOf({ config, instanceName: name, consul: { address: consul.address } }))!;
  links.push(discovery);
  return discovery;
}

const passingPorts = async () => (await consul.passing(SERVICE)).map((instance) => instance.port).sort();

beforeAll(async () => {
  consul = await startConsulForTest();
  for (const name of ['one', 'two']) {
    const server = await startGrpcServer({ host: '127.0.0.1', port: 0, services: [], maxReceiveMessageBytes: 1024 * 1024, maxSendMessageBytes: 1024 * 1024 });
    servers.push(server);
    presences.push(await joinConsul(await link(name), { kind: 'registry', listenHost: '0.0.0.0', port: server.port, tls: false, logger }));
  }
}, 60_000);

afterAll(async () => {
  for (const presence of presences) await presence.leave();
  for (const server of servers) await server.close();
  for (const discovery of links) discovery.close();
  await consul?.close();
});

describe('the consul: resolver', () => {
  it('registers each instance with a gRPC check of its own health service, under its instance name', async () => {
    await waitFor(async () => (await passingPorts()).length === 2, 30_000, 'both instances to pass');
    const instances = await consul.passing(SERVICE);
    expect(instances.map((instance) => instance.id).sort()).toEqual([`${SERVICE}-one`, `${SERVICE}-two`]);
    expect(instances.every((instance) => instance.meta.kind === 'registry' && instance.tags.includes('registry'))).toBe(true);
    if (consul.standIn) {
      const checks = (await consul.agent('checks')) as Record<string, { ServiceID: string; Type: string; Status: string }>;
      const own = Object.values(checks).filter((entry) => entry.ServiceID.startsWith(SERVICE));
      expect(own.map((entry) => [entry.Type, entry.Status])).toEqual([
        ['grpc', 'passing'],
        ['grpc', 'passing'],
      ]);
    }
  });

  it('sends calls to passing instances only, and moves off one whose check fails', async () => {
    const client: HealthClient = healthClient(`consul:///${SERVICE}`);
    try {
      const ports = servers.map((server) => server.port);
      const first = await check(client);
      expect(ports).toContain(first);
      const failing = servers.find((server) => server.port === first)!;
      const other = servers.find((server) => server !== failing)!;
      failing.health.setStatus('', 'NOT_SERVING');
      await waitFor(async () => (await passingPorts()).join() === String(other.port), 30_000, 'Consul to see the check fail');
      await waitFor(async () => (await check(client)) === other.port, 30_000, 'the channel to move to the passing instance');
      failing.health.setStatus('', 'SERVING');
      other.health.setStatus('', 'NOT_SERVING');
      await waitFor(async () => (await check(client)) === failing.port, 30_000, 'the channel to move back');
      failing.health.setStatus('', 'NOT_SERVING');
      await waitFor(async () => (await passingPorts()).length === 0, 30_000, 'no instance to pass');
      let last: number | string = '';
      await pollUntil(async () => String((last = await check(client))).includes(`code ${grpc.status.UNAVAILABLE}`), { timeoutMs: 30_000, what: 'calls to fail with UNAVAILABLE', describe: () => last });
      expect(await check(client)).toContain(`no passing instance of '${SERVICE}'`);
      for (const server of servers) server.health.setStatus('', 'SERVING');
      await waitFor(async () => typeof (await check(client)) === 'number', 30_000, 'calls to reach a passing instance again');
    } finally {
      client.close();
    }
  });

  it('removes the entry when the service leaves', async () => {
    await presences[0]!.leave();
    const services = (await consul.agent('services')) as Record<string, unknown>;
    expect(Object.keys(services)).not.toContain(`${SERVICE}-one`);
    expect(Object.keys(services)).toContain(`${SERVICE}-two`);
  });
});
