/**
 * Reports per-version calls, server-side errors, INVALID_ARGUMENT refusals and latency to the registry at the pace it
 * asks for; the registry judges canaries by them. A report that cannot be sent is dropped:
 * the registry judges recent calls only.
 */
import type { Logger } from '@infermesh/common';
import type { RegistryClient, VersionStats } from '@infermesh/proto/registry';
import { bucketBoundMs, LATENCY_BUCKETS } from '../status/latency-scale.js';
import type { VersionCounts } from '../status/GatewayStats.js';

/** Versions reported at most; routes name far fewer. */
const MAX_VERSIONS = 10_000;

/** What a version had counted at the last report. */
interface Reported {
  reached: number;
  serverErrors: number;
  invalidArguments: number;
  latency: Float64Array;
}

/**
 * Sends what the gateway's counters gained since the last report: the counting itself is
 * GatewayStats', done once per call; this only takes differences at the report's pace.
 */
export class StatsReporter {
  private readonly reported = new WeakMap<VersionCounts, Reported>();
  private timer: NodeJS.Timeout | undefined;
  private intervalMs = 1_000;
  private closed = false;

  constructor(
    private readonly client: RegistryClient,
    private readonly gateway: string,
    private readonly logger: Logger,
    /** The gateway's per-version counts since it started. */
    private readonly counts: () => readonly VersionCounts[],
  ) {}

  /** Reports every `intervalMs` from now on (the registry says how often in its routes). */
  setIntervalMs(intervalMs: number): void {
    if (intervalMs <= 0 || intervalMs === this.intervalMs) return;
    this.intervalMs = intervalMs;
    this.schedule();
  }

  start(): void {
    this.schedule();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private schedule(): void {
    clearTimeout(this.timer);
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.flush();
      this.schedule();
    }, this.intervalMs);
    this.timer.unref();
  }

  private flush(): void {
    const stats: VersionStats[] = [];
    for (const counts of this.counts()) {
      const version = Number(counts.version);
      if (!Number.isInteger(version) || version <= 0) continue;
      let last = this.reported.get(counts);
      if (!last) last = { reached: 0, serverErrors: 0, invalidArguments: 0, latency: new Float64Array(LATENCY_BUCKETS) };
      const requests = counts.reached - last.reached;
      if (requests === 0) continue;
      if (stats.length >= MAX_VERSIONS) break;
      const latency: VersionStats['latency'] = [];
      counts.latency.forEach((count, bucket) => {
        const gained = count - last.latency[bucket]!;
        if (gained > 0) latency.push({ le_ms: bucketBoundMs(bucket), count: gained });
      });
      stats.push({
        model: counts.model,
        version,
        requests,
        errors: counts.serverErrors - last.serverErrors,
        invalid_arguments: counts.invalidArguments - last.invalidArguments,
        latency,
      });
      const { reached, serverErrors, invalidArguments } = counts;
      this.reported.set(counts, { reached, serverErrors, invalidArguments, latency: Float64Array.from(counts.latency) });
    }
    if (stats.length === 0) return;
    this.client.ReportStats({ gateway: this.gateway, stats }, { deadline: Date.now() + 2_000 }, (error) => {
      if (error) this.logger.debug({ code: error.code, reason: error.details }, 'could not report stats to the registry');
    });
  }
}
