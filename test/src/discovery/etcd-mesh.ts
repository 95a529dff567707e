/** A mesh that finds itself through etcd only: each process is given the cluster's endpoints in the config's `etcd:` section. */
import { startDiscoveredMesh, type DiscoveredMesh } from './discovered-mesh.js';

/** Fast retries, so that tests do not wait on production defaults. */
export const ETCD_TEST_DISCOVERY = { type: 'etcd', leaseTtlSeconds: 10, backoffInitialMs: 100, backoffMaxMs: 1_000 };

/** What mesh to start. */
export interface EtcdMeshOptions {
  endpoints: string[];
  /** The `etcd.prefix` every key of the mesh lies under. */
  prefix: string;
  /** `registry.store`: `{ type: 'etcd' }`, or `{ type: 'file' }` (one replica). */
  store: Record<string, unknown>;
  runners: number;
  gateways: number;
  registries?: number;
  /** Keys of `discovery:` over the test defaults. */
  discovery?: Record<string, unknown>;
  verbose?: boolean;
}

export function startEtcdMesh(options: EtcdMeshOptions): Promise<DiscoveredMesh> {
  const { endpoints, prefix, store, discovery, ...rest } = options;
  return startDiscoveredMesh({
    ...rest,
    env: {},
    discovery: { ...ETCD_TEST_DISCOVERY, ...discovery },
    sections: { etcd: { endpoints, prefix } },
    registry: { store },
  });
}
