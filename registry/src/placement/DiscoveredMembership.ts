/**
 * Runner liveness from the discovery backend (`discovery.type: consul` or `etcd`): a runner
 * is live while the backend lists its instance (Consul: passing its gRPC health check; etcd:
 * its key, held by a lease it keeps alive), at the address it registered with the registry.
 * Every registry replica follows the same view, so they agree on who is live whichever
 * replica a runner's heartbeats reach; heartbeats still tell the registry that a runner
 * exists, but no lease of the registry's expires it. A runner the backend drops leaves the
 * routes as soon as the backend says so, and joins again when it is listed again.
 *
 * Panic mode, as Envoy's panic threshold: when fewer than `panicThreshold` of the runners
 * heard from within a lease are listed, the backend is more likely wrong than the runners (a
 * Consul agent starved of CPU times every check out at once), so liveness falls back to the
 * heartbeat leases until enough are listed again.
 */
import type { Logger } from '@infermesh/common';
import { instanceAddress, type InstanceWatch, type ServiceInstance } from '@infermesh/common/discovery';
import type { RunnerRecord } from '../state/registry-state.js';
import { Membership, type MembershipChange } from './Membership.js';

export class DiscoveredMembership extends Membership {
  /** runner name → the address the backend lists it at. */
  private passing = new Map<string, string>();
  /** runner name → epoch ms of its last heartbeat here, plus the lease: shown by ListRunners, expires nothing. */
  private readonly heard = new Map<string, number>();
  /** Runners other replicas hear heartbeats from (ReplicaPresence): counted by panic mode. */
  private remoteNames = new Set<string>();
  private readonly instances: InstanceWatch;
  private panicking = false;

  constructor(
    leaseMs: number,
    onChange: (name: string, change: MembershipChange) => void,
    onLeasesChanged: () => void,
    /** Makes the watch of the runners' instances that liveness follows. */
    watchRunners: (onChange: (instances: readonly ServiceInstance[]) => void) => InstanceWatch,
    private readonly panicThreshold: number,
    /** What being listed means, for the log: `passes its Consul health check`. */
    private readonly listedAs: string,
    private readonly logger: Logger,
  ) {
    super(leaseMs, onChange, onLeasesChanged);
    this.instances = watchRunners((list) => this.apply(list));
  }

  override start(): void {
    this.instances.start();
  }

  override stop(): void {
    this.instances.close();
  }

  /** A heartbeat: noted (and published to other replicas), but liveness is the backend's to say. Returns true when the runner is not live. */
  override renew(name: string, nowMs = Date.now()): boolean {
    const wasHeard = this.leased(nowMs).includes(name);
    this.heard.set(name, nowMs + this.leaseMs);
    if (!wasHeard) this.onLeasesChanged();
    return !this.isLive(name, nowMs);
  }

  override drop(name: string): void {
    if (this.heard.delete(name)) this.onLeasesChanged();
    if (this.passing.delete(name)) this.onChange(name, 'left');
  }

  /** Other replicas' heartbeats: they change no liveness here, except in panic mode. */
  override setRemote(names: Iterable<string>): void {
    this.remoteNames = new Set(names);
  }

  /** The runners heard from here within a lease, for other replicas. */
  override leased(nowMs = Date.now()): string[] {
    return [...this.heard].filter(([, until]) => until > nowMs).map(([name]) => name).sort();
  }

  override isLive(name: string, nowMs = Date.now()): boolean {
    return this.panic(nowMs) ? this.heardOf(name, nowMs) : this.passing.has(name);
  }

  override expiresAt(name: string): number {
    return this.isLive(name) ? (this.heard.get(name) ?? 0) : 0;
  }

  /** The runners listed at the address they registered with (in panic mode: heard from within a lease), by name. */
  override live(runners: Record<string, RunnerRecord>, nowMs = Date.now()): RunnerRecord[] {
    const panic = this.panic(nowMs);
    return Object.values(runners)
      .filter((runner) => (panic ? this.heardOf(runner.name, nowMs) : this.passing.get(runner.name) === runner.address))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Heard from within a lease, here or by another replica. */
  private heardOf(name: string, nowMs: number): boolean {
    return (this.heard.get(name) ?? 0) > nowMs || this.remoteNames.has(name);
  }

  /** True while too few of the runners heard from within a lease (by any replica) are listed. */
  private panic(nowMs: number): boolean {
    const heard = new Set([...this.leased(nowMs), ...this.remoteNames]);
    const leased = heard.size;
    let passing = 0;
    for (const name of heard) if (this.passing.has(name)) passing++;
    const panic = leased > 0 && passing < leased * this.panicThreshold;
    if (panic !== this.panicking) {
      this.panicking = panic;
      if (panic) this.logger.warn({ listed: passing, heartbeating: leased }, 'too few heartbeating runners are listed in discovery to trust it; going by heartbeats until more are');
      else this.logger.info({ listed: passing, heartbeating: leased }, 'enough heartbeating runners are listed in discovery again');
    }
    return panic;
  }

  private apply(list: readonly ServiceInstance[]): void {
    const next = new Map<string, string>();
    for (const instance of list) {
      const name = instance.meta.runner;
      if (name) next.set(name, instanceAddress(instance));
    }
    const before = this.passing;
    this.passing = next;
    for (const [name, address] of before) {
      if (next.get(name) === address) continue;
      this.logger.warn({ runner: name, address }, `runner no longer ${this.listedAs}; it leaves the routes`);
      this.onChange(name, 'unhealthy');
    }
    for (const [name, address] of next) {
      if (before.get(name) === address) continue;
      this.logger.info({ runner: name, address }, `runner ${this.listedAs}`);
      this.onChange(name, 'joined');
    }
  }
}
