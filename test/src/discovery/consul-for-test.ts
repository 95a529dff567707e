/**
 * The Consul a discovery test runs against (testkit's `startConsulTarget`: the real one at
 * CONSUL_HTTP_ADDR when set, else a stand-in on 127.0.0.1), with a health query for assertions.
 */
import { mainScript, spawnService } from '@infermesh/common';
import { instancesOf, type ServiceInstance } from '@infermesh/common/discovery';
import { startConsulTarget, type ConsulTarget } from '@infermesh/testkit';

/** A Consul for one test file. */
export interface ConsulForTest {
  /** Its HTTP address, as CONSUL_HTTP_ADDR holds it. */
  address: string;
  /** True when it is the stand-in. */
  standIn: boolean;
  /** The passing instances of `service` now (`/v1/health/service/<service>?passing`). */
  passing(service: string): Promise<ServiceInstance[]>;
  /** GET of an agent endpoint (`/v1/agent/services`...), as JSON. */
  agent(path: string): Promise<unknown>;
  close(): Promise<void>;
}

/**
 * A stand-in in a process of its own: its health checks then keep their pace while the test
 * process is busy sending calls (in the test's process, a check could time out behind them
 * and mark every runner critical at once).
 */
async function standInProcess(): Promise<ConsulTarget> {
  const service = await spawnService({ name: 'consul stand-in', script: mainScript('@infermesh/testkit', 'consul-stand-in-main.js') });
  return { address: service.address, standIn: undefined, prefix: 'infermesh-test', close: () => service.stop() };
}

/** The real Consul at CONSUL_HTTP_ADDR, else a stand-in (`ownProcess`: in a child process). */
export async function startConsulForTest(options: { ownProcess?: boolean } = {}): Promise<ConsulForTest> {
  const target = options.ownProcess && !process.env.CONSUL_HTTP_ADDR ? await standInProcess() : await startConsulTarget();
  const standIn = target.standIn !== undefined || (options.ownProcess === true && !process.env.CONSUL_HTTP_ADDR);
  const headers: Record<string, string> = target.token ? { 'X-Consul-Token': target.token } : {};
  const get = async (path: string) => {
    const response = await fetch(`${target.address}${path}`, { headers });
    if (!response.ok) throw new Error(`Consul answered ${response.status} to GET ${path}`);
    return (await response.json()) as unknown;
  };
  return {
    address: target.address,
    standIn,
    passing: async (service) => instancesOf(await get(`/v1/health/service/${encodeURIComponent(service)}?passing`)),
    agent: (path) => get(`/v1/agent/${path}`),
    close: () => target.close(),
  };
}
