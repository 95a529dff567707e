/** A mesh that finds itself through Consul only: each process is given CONSUL_HTTP_ADDR (a stand-in's, or a real agent's). */
import { startDiscoveredMesh, type DiscoveredMesh } from './discovered-mesh.js';

export type { DiscoveredMesh as ConsulMesh, MeshGateway } from './discovered-mesh.js';

/** Fast checks and queries, so that tests do not wait on production defaults. */
export const TEST_DISCOVERY = { type: 'consul', checkIntervalMs: 1_000, checkTimeoutMs: 1_000, blockingWaitMs: 10_000, backoffInitialMs: 100, backoffMaxMs: 1_000 };

/** What mesh to start. */
export interface ConsulMeshOptions {
  /** Consul's HTTP address. */
  consulAddress: string;
  runners: number;
  gateways: number;
  /** Keys of `discovery:` over the test defaults (fast checks). */
  discovery?: Record<string, unknown>;
  verbose?: boolean;
}

export function startConsulMesh(options: ConsulMeshOptions): Promise<DiscoveredMesh> {
  const { consulAddress, discovery, ...rest } = options;
  return startDiscoveredMesh({ ...rest, env: { CONSUL_HTTP_ADDR: consulAddress }, discovery: { ...TEST_DISCOVERY, ...discovery } });
}
