/**
 * The placement election on the Consul stand-in: one leader at a time, a leader that closes
 * hands over at once, and a leader cut off from Consul steps down by itself once it could not
 * renew for a whole TTL (Consul would have ended its session by then).
 */
import { createConsulClient, silentLogger, type ConsulConnection } from '@infermesh/common';
import { pollUntil, startConsulTarget, type ConsulTarget } from '@infermesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsulLeadership } from './ConsulLeadership.js';

let target: ConsulTarget;
const connections: ConsulConnection[] = [];

function candidate(holder: string): ConsulLeadership {
  const connect = async () => {
    const connection = await createConsulClient({ address: target.address, ...(target.token ? { token: target.token } : {}) });
    connections.push(connection);
    return connection;
  };
  let shared: Promise<ConsulConnection> | undefined;
  return new ConsulLeadership(() => (shared ??= connect()), { key: `${target.prefix}/leader`, ttlSeconds: 1, holder }, silentLogger());
}

beforeAll(async () => {
  target = await startConsulTarget({ sessionTtlMinMs: 1_000 });
});
afterAll(async () => {
  for (const connection of connections) connection.close();
  await target.close();
});

describe('ConsulLeadership', () => {
  it('elects one leader, hands over when it closes, and steps down when Consul is out of reach', async (context) => {
    const first = candidate('a:1');
    const second = candidate('b:1');
    const heard: string[] = [];
    first.onChange((leader) => heard.push(`a ${leader}`));
    second.onChange((leader) => heard.push(`b ${leader}`));
    first.start();
    await pollUntil(() => first.isLeader, { timeoutMs: 15_000, what: 'the first candidate to lead' });
    second.start();
    // Several TTLs pass: the leader renews, the other keeps waiting.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect([first.isLeader, second.isLeader]).toEqual([true, false]);

    await first.close();
    await pollUntil(() => second.isLeader, { timeoutMs: 15_000, what: 'the second candidate to lead once the first closed' });
    expect(heard).toEqual(['a true', 'a false', 'b true']);

    // Cutting Consul off needs the stand-in: a real agent keeps serving.
    if (!target.standIn) return context.skip();
    await target.standIn.close();
    await pollUntil(() => !second.isLeader, { timeoutMs: 15_000, what: 'the leader to step down without Consul' });
    await second.close();
  }, 60_000);
});
