/**
 * Runner leases. A runner is live while its lease runs; every heartbeat renews it, and a
 * lease that runs out takes the runner out of the routes and out of placement. Leases live
 * in memory only: a restarted registry grants every runner it knew a fresh lease, so the
 * routes it sends right after a restart still name them. With several registry replicas, a
 * runner whose lease another replica holds (it heartbeats there) is live here too: the
 * replicas publish their leased runners to each other (ReplicaPresence).
 */
import type { RunnerRecord } from '../state/registry-state.js';

/** How a runner's liveness changed: `unhealthy` is the discovery backend dropping it (DiscoveredMembership). */
export type MembershipChange = 'joined' | 'expired' | 'unhealthy' | 'left';

export class Membership {
  /** runner name → epoch ms its lease ends. */
  private readonly leases = new Map<string, number>();
  /** Runners other replicas hold leases for. */
  private remote = new Set<string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly leaseMs: number,
    /** Called when a runner becomes live (joined), or stops being live (its lease expired, it failed its health check, or it left). */
    protected readonly onChange: (name: string, change: MembershipChange) => void,
    /** Called when the set of runners this replica holds leases for changes, for other replicas to hear. */
    protected readonly onLeasesChanged: () => void = () => {},
  ) {}

  /** Watches for leases that run out. */
  start(): void {
    this.timer = setInterval(() => this.expire(), Math.max(50, Math.floor(this.leaseMs / 5)));
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Starts or renews a runner's lease; returns true when the runner was not live before. */
  renew(name: string, nowMs = Date.now()): boolean {
    const wasLive = this.isLive(name, nowMs);
    const wasLeased = this.hasLease(name, nowMs);
    this.leases.set(name, nowMs + this.leaseMs);
    if (!wasLive) this.onChange(name, 'joined');
    if (!wasLeased) this.onLeasesChanged();
    return !wasLive;
  }

  /** Ends a runner's lease now (it left). */
  drop(name: string): void {
    if (!this.leases.delete(name)) return;
    this.onLeasesChanged();
    if (!this.remote.has(name)) this.onChange(name, 'left');
  }

  /** The runners other replicas hold leases for now; runners that join or leave that set join or leave here. */
  setRemote(names: Iterable<string>, nowMs = Date.now()): void {
    const before = this.remote;
    this.remote = new Set(names);
    for (const name of this.remote) if (!before.has(name) && !this.hasLease(name, nowMs)) this.onChange(name, 'joined');
    for (const name of before) if (!this.remote.has(name) && !this.hasLease(name, nowMs)) this.onChange(name, 'expired');
  }

  isLive(name: string, nowMs = Date.now()): boolean {
    return this.hasLease(name, nowMs) || this.remote.has(name);
  }

  /** Epoch ms this replica's lease of the runner ends; 0 when it holds none. */
  expiresAt(name: string): number {
    return this.leases.get(name) ?? 0;
  }

  /** The runners this replica holds leases for, by name. */
  leased(nowMs = Date.now()): string[] {
    return [...this.leases].filter(([, endsAt]) => endsAt > nowMs).map(([name]) => name).sort();
  }

  /** The live runners among `runners`, by name. */
  live(runners: Record<string, RunnerRecord>, nowMs = Date.now()): RunnerRecord[] {
    return Object.values(runners)
      .filter((runner) => this.isLive(runner.name, nowMs))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  private hasLease(name: string, nowMs: number): boolean {
    return (this.leases.get(name) ?? 0) > nowMs;
  }

  private expire(): void {
    const now = Date.now();
    let changed = false;
    for (const [name, expiresAt] of this.leases) {
      if (expiresAt > now) continue;
      this.leases.delete(name);
      changed = true;
      if (!this.remote.has(name)) this.onChange(name, 'expired');
    }
    if (changed) this.onLeasesChanged();
  }
}
