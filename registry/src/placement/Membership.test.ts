import { describe, expect, it } from 'vitest';
import { Membership } from './Membership.js';

const runner = (name: string) => ({ name, address: 'h:1', device: 'cpu', memoryBytes: 0, version: '', registeredAtMs: 0, versions: [] });

describe('Membership with other replicas', () => {
  it("counts runners another replica leases as live, joining and leaving as that replica's set changes", () => {
    const changes: string[] = [];
    let published = 0;
    const membership = new Membership(1_000, (name, change) => changes.push(`${name} ${change}`), () => published++);
    membership.renew('local', 0);
    membership.setRemote(['remote', 'local'], 0);
    expect(membership.live({ local: runner('local'), remote: runner('remote'), gone: runner('gone') }, 10).map((r) => r.name)).toEqual(['local', 'remote']);
    // Only this replica's own leases are published: the remote ones are the other replica's to publish.
    expect(membership.leased(10)).toEqual(['local']);
    expect(published).toBe(1);
    // The other replica stops leasing both: `remote` leaves, `local` stays on its own lease.
    membership.setRemote([], 10);
    expect(changes).toEqual(['local joined', 'remote joined', 'remote expired']);
    expect(membership.isLive('local', 10)).toBe(true);
    // Dropping a runner another replica still leases keeps it live here, silently.
    membership.setRemote(['local'], 10);
    membership.drop('local');
    expect(membership.isLive('local', 10)).toBe(true);
    expect(changes.at(-1)).toBe('remote expired');
    expect(published).toBe(2);
  });
});
