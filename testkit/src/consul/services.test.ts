/**
 * Agent services and health queries: registration with a gRPC check the agent runs against a
 * real grpc.health.v1 server, `?passing` following the check, blocking health queries, TTL
 * checks, tags, deregistration and DeregisterCriticalServiceAfter.
 */
import * as grpc from '@grpc/grpc-js';
import { createConsulClient, withIndex, type ConsulConnection } from '@infermesh/common';
import { HealthImplementation } from 'grpc-health-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from '../poll.js';
import { startConsulTarget, type ConsulTarget } from './consul-target.js';

let target: ConsulTarget;
let consul: ConsulConnection;
let server: grpc.Server;
let port: number;
const health = new HealthImplementation({ '': 'SERVING' });
const name = () => `${target.prefix.replace(/\//g, '-')}-runner`;

interface HealthEntry {
  Service: { ID: string; Service: string; Port: number; Tags: string[] };
  Checks: { CheckID: string; Status: string; Output: string }[];
}

async function passing(service: string, extra: Record<string, unknown> = {}): Promise<{ body: HealthEntry[]; index: number }> {
  const { body, index } = await withIndex<HealthEntry[]>((ctx) => consul.client.health.service({ service, passing: true, ctx, ...extra } as never));
  return { body: body ?? [], index };
}

beforeAll(async () => {
  target = await startConsulTarget();
  consul = await createConsulClient({ address: target.address, ...(target.token ? { token: target.token } : {}) });
  server = new grpc.Server();
  health.addToServer(server);
  port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))));
});
afterAll(async () => {
  server.forceShutdown();
  consul.close();
  await target.close();
});

describe('Consul agent services and health', () => {
  it('runs the gRPC check itself: passing while the server is SERVING, critical when it is not, and wakes blocking queries', async () => {
    const id = `${name()}-grpc`;
    await consul.client.agent.service.register({
      id,
      name: name(),
      address: '127.0.0.1',
      port,
      tags: ['cpu'],
      check: { grpc: `127.0.0.1:${port}`, grpcusetls: false, interval: '200ms', timeout: '2s' } as never,
    });
    try {
      await pollUntil(async () => (await passing(name())).body.length === 1, { timeoutMs: 15_000, what: 'the gRPC check to pass' });
      const { body, index } = await passing(name(), { tag: 'cpu' });
      expect(body[0]!.Service).toMatchObject({ ID: id, Service: name(), Port: port, Tags: ['cpu'] });
      expect(body[0]!.Checks.map((check) => check.CheckID)).toEqual(['serfHealth', `service:${id}`]);
      expect((await passing(name(), { tag: 'gpu' })).body).toEqual([]);

      const change = passing(name(), { index: String(index), wait: '30s' });
      health.setStatus('', 'NOT_SERVING');
      const after = await change;
      expect(after.index).toBeGreaterThan(index);
      expect(after.body).toEqual([]);
      const all = await withIndex<HealthEntry[]>((ctx) => consul.client.health.service({ service: name(), ctx } as never));
      expect(all.body![0]!.Checks[1]).toMatchObject({ Status: 'critical' });

      health.setStatus('', 'SERVING');
      await pollUntil(async () => (await passing(name())).body.length === 1, { timeoutMs: 15_000, what: 'the check to pass again' });
    } finally {
      await consul.client.agent.service.deregister(id);
    }
    expect((await withIndex<HealthEntry[]>((ctx) => consul.client.health.service({ service: name(), ctx } as never))).body).toEqual([]);
  });

  it('keeps a TTL check passing only while it is updated, and deregisters a service critical past DeregisterCriticalServiceAfter', async () => {
    const id = `${name()}-ttl`;
    await consul.client.agent.service.register({ id, name: `${name()}-ttl`, port: 1, check: { ttl: '1s' } as never });
    try {
      expect((await passing(`${name()}-ttl`)).body).toEqual([]);
      await consul.client.agent.check.pass({ id: `service:${id}`, note: 'fine' });
      expect((await passing(`${name()}-ttl`)).body).toHaveLength(1);
      await pollUntil(async () => (await passing(`${name()}-ttl`)).body.length === 0, { timeoutMs: 10_000, what: 'the TTL check to lapse' });
      await expect(consul.client.agent.check.pass({ id: 'no-such-check' })).rejects.toMatchObject({ statusCode: 404 });
    } finally {
      await consul.client.agent.service.deregister(id);
    }
    // A service whose gRPC server is gone: critical, then deregistered by the agent.
    const gone = `${name()}-gone`;
    await consul.client.agent.service.register({
      id: gone,
      name: gone,
      port: 1,
      check: { grpc: '127.0.0.1:1', interval: '200ms', timeout: '500ms', deregistercriticalserviceafter: '1s' } as never,
    });
    // Consul's reaper runs every 30 s and waits at least a minute; the stand-in honours the value given.
    await pollUntil(async () => !Object.hasOwn(await consul.client.agent.service.list(), gone), { timeoutMs: 120_000, intervalMs: 250, what: 'the critical service to be deregistered' });
  });

  it('refuses a registration without a name, a gRPC check without an interval, and an unknown deregistration', async () => {
    // The client checks these itself; the agent refuses them too.
    const register = (body: unknown) =>
      fetch(`${target.address}/v1/agent/service/register`, { method: 'PUT', body: JSON.stringify(body), headers: target.token ? { 'X-Consul-Token': target.token } : {} });
    expect((await register({ Port: 1 })).status).toBe(400);
    expect((await register({ Name: `${name()}-bad`, Check: { GRPC: '127.0.0.1:1' } })).status).toBe(400);
    await expect(consul.client.agent.service.deregister(`${name()}-never-registered`)).rejects.toMatchObject({ statusCode: 404 });
  });
});
