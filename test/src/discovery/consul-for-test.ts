/**
 * The Consul a discovery test runs against (testkit's `startConsulTarget`: the real one at
 * CONSUL_HTTP_ADDR when set, else a stand-in on 127.0.0.1), with a health query for assertions.
 */
import { instancesOf, type ServiceInstance } from '@infermesh/common/discovery';
import { startConsulTarget } from '@infermesh/testkit';

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

export async function startConsulForTest(): Promise<ConsulForTest> {
  const target = await startConsulTarget();
  const headers: Record<string, string> = target.token ? { 'X-Consul-Token': target.token } : {};
  const get = async (path: string) => {
    const response = await fetch(`${target.address}${path}`, { headers });
    if (!response.ok) throw new Error(`Consul answered ${response.status} to GET ${path}`);
    return (await response.json()) as unknown;
  };
  return {
    address: target.address,
    standIn: target.standIn !== undefined,
    passing: async (service) => instancesOf(await get(`/v1/health/service/${encodeURIComponent(service)}?passing`)),
    agent: (path) => get(`/v1/agent/${path}`),
    close: () => target.close(),
  };
}
