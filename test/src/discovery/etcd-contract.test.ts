/**
 * The discovery contract against a real three-member etcd cluster started on loopback: lease
 * expiry, watches resumed after the leader is killed. Skipped (with what to install) where
 * etcd is missing; fails instead under INFERMESH_REQUIRE_SERVICES=1.
 */
import { etcdSchema } from '@infermesh/common';
import { etcdDiscoverySchema } from '@infermesh/common/discovery';
import { EtcdCluster, etcdAvailable } from '@infermesh/testkit';
import { discoveryContract } from './discovery-contract.js';
import { meshContractBackend } from './mesh-contract-backend.js';

/** Short leases: a dead instance is gone within seconds. */
const LEASE_TTL_SECONDS = 2;

discoveryContract('etcd (real 3-member cluster)', { members: true }, async () => {
  if (!etcdAvailable()) return undefined;
  const cluster = await EtcdCluster.start({ members: 3 });
  const prefix = `/infermesh-contract-${process.pid}`;
  return meshContractBackend({
    settings: (instanceName, service) => ({
      config: etcdDiscoverySchema.parse({ type: 'etcd', services: { registry: service }, leaseTtlSeconds: LEASE_TTL_SECONDS, backoffInitialMs: 50, backoffMaxMs: 500 }),
      instanceName,
      etcd: etcdSchema.parse({ endpoints: cluster.endpoints, prefix }),
    }),
    // etcd expires a lease within its TTL, and checks expiries twice a second.
    deathWithinMs: LEASE_TTL_SECONDS * 1_000 + 3_000,
    async loseMember() {
      const leader = await cluster.leader();
      await cluster.kill(leader);
      return { restore: () => cluster.restart(leader) };
    },
    stop: () => cluster.close(),
  });
});
