/**
 * Runner leases. A runner is live while its lease runs; every heartbeat renews it, and a
 * lease that runs out takes the runner out of the routes and out of placement. Leases live
 * in memory only: a restarted registry grants every runner it knew a fresh lease, so the
 * routes it sends right after a restart still name them.
 */
import type { RunnerRecord } from '../state/registry-state.js';

/** How a runner's liveness changed: `unhealthy` is Consul's health check failing (ConsulMembership). */
export type MembershipChange = 'joined' | 'expired' | 'unhealthy' | 'left';

export class Membership {
  /** runner name → epoch ms its lease ends. */
  private readonly leases = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly leaseMs: number,
    /** Called when a runner becomes live (joined), or stops being live (its lease expired, it failed its health check, or it left). */
    protected readonly onChange: (name: string, change: MembershipChange) => void,
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
    this.leases.set(name, nowMs + this.leaseMs);
    if (!wasLive) this.onChange(name, 'joined');
    return !wasLive;
  }

  /** Ends a runner's lease now (it left). */
  drop(name: string): void {
    if (this.leases.delete(name)) this.onChange(name, 'left');
  }

  isLive(name: string, nowMs = Date.now()): boolean {
    return (this.leases.get(name) ?? 0) > nowMs;
  }

  /** Epoch ms the runner's lease ends; 0 when it has none. */
  expiresAt(name: string): number {
    return this.leases.get(name) ?? 0;
  }

  /** The live runners among `runners`, by name. */
  live(runners: Record<string, RunnerRecord>, nowMs = Date.now()): RunnerRecord[] {
    return Object.values(runners)
      .filter((runner) => this.isLive(runner.name, nowMs))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  private expire(): void {
    const now = Date.now();
    for (const [name, expiresAt] of this.leases) {
      if (expiresAt > now) continue;
      this.leases.delete(name);
      this.onChange(name, 'expired');
    }
  }
}
