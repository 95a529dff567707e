/**
 * The discovery contract's backend for a service-listing backend (Consul, etcd), through the
 * code services use: `meshDiscoveryOf`, `join`, `watch` and the `<backend>:///<service>`
 * resolver. Each instance has a link of its own (a process's), and one observer link lists
 * and resolves, as another process would.
 */
import { createLogger } from '@infermesh/common';
import { meshDiscoveryOf, type DiscoverySettings, type MeshDiscovery, type ServiceInstance } from '@infermesh/common/discovery';
import type { ContractBackend } from './discovery-contract.js';

const logger = createLogger('discovery-contract', 'silent');

/** What differs between the backends. */
export interface MeshBackendOptions {
  /** The discovery settings of a process named `instanceName`, with `service` as the registry's service name. */
  settings(instanceName: string, service: string): DiscoverySettings;
  deathWithinMs: number;
  loseMember?: ContractBackend['loseMember'];
  /** Stops the backend itself, after every link is closed. */
  stop(): Promise<void>;
}

export async function meshContractBackend(options: MeshBackendOptions): Promise<ContractBackend> {
  const service = `contract-${process.pid}`;
  const links: MeshDiscovery[] = [];
  const link = async (instanceName: string) => {
    const made = (await meshDiscoveryOf(options.settings(instanceName, service), logger))!;
    links.push(made);
    return made;
  };
  const observer = await link('observer');
  let seen: readonly ServiceInstance[] = [];
  const watch = observer.watch('registry', (list) => (seen = list));
  watch.start();
  observer.useResolver();
  return {
    target: `${observer.backend}:///${service}`,
    async join(name, port) {
      const own = await link(name);
      const presence = await own.join({ kind: 'registry', listenHost: '127.0.0.1', port, tls: false, logger });
      // join() points the process's resolver at its own link: the observer's is the one channels follow.
      observer.useResolver();
      return {
        leave: () => presence.leave(),
        // As a killed process: its link closes without leaving (leases are abandoned, checks fail).
        die: async () => own.close(),
      };
    },
    listed: async () => seen.map((instance) => ({ id: instance.id, port: instance.port })),
    deathWithinMs: options.deathWithinMs,
    ...(options.loseMember ? { loseMember: options.loseMember } : {}),
    async close() {
      watch.close();
      for (const made of links) made.close();
      await options.stop();
    },
  };
}
