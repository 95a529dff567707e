/** The registry's runner membership: leases renewed by heartbeats, or with Consul discovery, Consul's health checks. */
import type { Logger } from '@infermesh/common';
import type { ConsulDiscovery } from '@infermesh/common/discovery';
import { ConsulMembership } from './ConsulMembership.js';
import { Membership, type MembershipChange } from './Membership.js';

export function createMembership(
  leaseMs: number,
  consul: ConsulDiscovery | undefined,
  onChange: (name: string, change: MembershipChange) => void,
  onLeasesChanged: () => void,
  logger: Logger,
): Membership {
  return consul ? new ConsulMembership(leaseMs, onChange, onLeasesChanged, consul.client, consul.config, logger) : new Membership(leaseMs, onChange, onLeasesChanged);
}
