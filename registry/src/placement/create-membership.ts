/** The registry's runner membership: leases renewed by heartbeats, or with a discovery backend (Consul, etcd), the runners it lists. */
import type { Logger } from '@infermesh/common';
import type { MeshDiscovery } from '@infermesh/common/discovery';
import { DiscoveredMembership } from './DiscoveredMembership.js';
import { Membership, type MembershipChange } from './Membership.js';

export function createMembership(
  leaseMs: number,
  discovery: MeshDiscovery | undefined,
  onChange: (name: string, change: MembershipChange) => void,
  onLeasesChanged: () => void,
  logger: Logger,
): Membership {
  if (!discovery) return new Membership(leaseMs, onChange, onLeasesChanged);
  return new DiscoveredMembership(leaseMs, onChange, onLeasesChanged, (changed) => discovery.watch('runner', changed), discovery.config.panicThreshold, discovery.listedAs, logger);
}
