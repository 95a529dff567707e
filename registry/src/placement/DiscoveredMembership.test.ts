/**
 * DiscoveredMembership against Consul (the stand-in, or the real one at CONSUL_HTTP_ADDR): a
 * runner is live while its instance passes at the address it registered with; a failing
 * check takes it out; too few passing turns panic mode on, which goes by heartbeats.
 * Instances carry TTL checks here, so the test decides what passes.
 */
import { createConsulClient, createLogger, type ConsulConnection } from '@infermesh/common';
import { consulDiscoverySchema, PassingInstances } from '@infermesh/common/discovery';
import { pollUntil, startConsulTarget, type ConsulTarget } from '@infermesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunnerRecord } from '../state/registry-state.js';
import { DiscoveredMembership } from './DiscoveredMembership.js';
import type { MembershipChange } from './Membership.js';

let consul: ConsulTarget;
let connection: ConsulConnection;
let membership: DiscoveredMembership;
const changes: [string, MembershipChange][] = [];
const SERVICE = `runner-${process.pid}`;
const NAMES = ['r0', 'r1', 'r2', 'r3'];
const record = (name: string, port: number): RunnerRecord => ({ name, address: `127.0.0.1:${port}`, device: 'cpu', memoryBytes: 0, version: '', registeredAtMs: 0, versions: [] });
const records: Record<string, RunnerRecord> = Object.fromEntries(NAMES.map((name, i) => [name, record(name, 9000 + i)]));
const live = () => membership.live(records).map((runner) => runner.name);
const setCheck = (name: string, passing: boolean) => connection.client.agent.check[passing ? 'pass' : 'fail'](`service:${SERVICE}-${name}`);
const waitLive = (expected: string[]) => pollUntil(() => live().join() === expected.join(), { timeoutMs: 20_000, what: `live runners ${expected.join()}`, describe: live });

beforeAll(async () => {
  consul = await startConsulTarget();
  connection = await createConsulClient({ address: consul.address, ...(consul.token ? { token: consul.token } : {}) });
  for (const [i, name] of NAMES.entries()) {
    await connection.client.agent.service.register({ name: SERVICE, id: `${SERVICE}-${name}`, address: '127.0.0.1', port: 9000 + i, meta: { runner: name }, check: { name: 'ttl', ttl: '600s', status: 'passing', timeout: '1s' } });
  }
  const config = consulDiscoverySchema.parse({ type: 'consul', services: { runner: SERVICE }, blockingWaitMs: 2_000, backoffInitialMs: 50, backoffMaxMs: 200 });
  const logger = createLogger('consul-membership-test', 'silent');
  const { blockingWaitMs, backoffInitialMs, backoffMaxMs } = config;
  const watch = (onChange: ConstructorParameters<typeof PassingInstances>[2]) => new PassingInstances(connection.client, { service: SERVICE, blockingWaitMs, backoffInitialMs, backoffMaxMs }, onChange, logger);
  membership = new DiscoveredMembership(60_000, (name, change) => changes.push([name, change]), () => {}, watch, config.panicThreshold, 'passes its Consul health check', logger);
  membership.start();
});

afterAll(async () => {
  membership?.stop();
  for (const name of NAMES) await connection?.client.agent.service.deregister(`${SERVICE}-${name}`).catch(() => undefined);
  connection?.close();
  await consul?.close();
});

describe('DiscoveredMembership (Consul)', () => {
  it('holds runners live while they pass, at the address they registered with', async () => {
    await waitLive(NAMES);
    expect(changes.filter(([, change]) => change === 'joined').map(([name]) => name).sort()).toEqual(NAMES);
    // A record at another address (a new process the registry has not heard from) is not live.
    expect(membership.live({ ...records, r2: record('r2', 9999) }).map((runner) => runner.name)).toEqual(['r0', 'r1', 'r3']);
  });

  it('takes out a runner whose check fails, and brings it back when it passes', async () => {
    await setCheck('r3', false);
    await waitLive(['r0', 'r1', 'r2']);
    expect(changes).toContainEqual(['r3', 'unhealthy']);
    expect(membership.isLive('r3')).toBe(false);
    await setCheck('r3', true);
    await waitLive(NAMES);
  });

  it('goes by heartbeats while fewer than half of the runners heard from pass', async () => {
    for (const name of NAMES) membership.renew(name);
    expect(membership.leased()).toEqual(NAMES);
    await setCheck('r1', false);
    await waitLive(['r0', 'r2', 'r3']);
    await setCheck('r2', false);
    await waitLive(['r0', 'r3']);
    // One of four passing: the checks are not trusted; every runner heard from is live.
    await setCheck('r3', false);
    await waitLive(NAMES);
    await setCheck('r2', true);
    await setCheck('r3', true);
    await waitLive(['r0', 'r2', 'r3']);
  });
});
