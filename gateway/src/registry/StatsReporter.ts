/**
 * Reports per-version calls, server-side errors, INVALID_ARGUMENT refusals and latency to the registry at the pace it
 * asks for; the registry judges canaries by them. A report that cannot be sent is dropped:
 * the registry judges recent calls only.
 */
import type { AgreementCounts, Logger } from '@infermesh/common';
import type { RegistryClient, VersionStats } from '@infermesh/proto/registry';
import type { ShadowCounts } from '../shadow/ShadowStats.js';
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
  /** Shadow versions: the agreement counts at the last report. */
  agreement?: AgreementCounts;
}

const NOTHING_REPORTED: Reported = { reached: 0, serverErrors: 0, invalidArguments: 0, latency: new Float64Array(LATENCY_BUCKETS) };

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
    /** The shadow versions' counts since it started, with their agreement. */
    private readonly shadowCounts: () => readonly ShadowCounts[] = () => [],
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
    const stats = this.gained(this.counts());
    const shadowStats = this.gained(this.shadowCounts());
    if (stats.length === 0 && shadowStats.length === 0) return;
    this.client.ReportStats({ gateway: this.gateway, stats, shadow_stats: shadowStats }, { deadline: Date.now() + 2_000 }, (error) => {
      if (error) this.logger.debug({ code: error.code, reason: error.details }, 'could not report stats to the registry');
    });
  }

  /** What each version's counts gained since the last report; shadow counts with their agreement. */
  private gained(all: readonly (VersionCounts | ShadowCounts)[]): VersionStats[] {
    const stats: VersionStats[] = [];
    for (const counts of all) {
      const version = Number(counts.version);
      if (!Number.isInteger(version) || version <= 0) continue;
      const last = this.reported.get(counts) ?? NOTHING_REPORTED;
      const requests = counts.reached - last.reached;
      if (requests === 0) continue;
      if (stats.length >= MAX_VERSIONS) break;
      const latency: VersionStats['latency'] = [];
      counts.latency.forEach((count, bucket) => {
        const gained = count - last.latency[bucket]!;
        if (gained > 0) latency.push({ le_ms: bucketBoundMs(bucket), count: gained });
      });
      const agreement = 'agreement' in counts ? counts.agreement.snapshot() : undefined;
      stats.push({
        model: counts.model,
        version,
        requests,
        errors: counts.serverErrors - last.serverErrors,
        invalid_arguments: counts.invalidArguments - last.invalidArguments,
        latency,
        ...(agreement ? { agreement: agreementGained(agreement, last.agreement) } : {}),
      });
      const { reached, serverErrors, invalidArguments } = counts;
      this.reported.set(counts, { reached, serverErrors, invalidArguments, latency: Float64Array.from(counts.latency), ...(agreement ? { agreement } : {}) });
    }
    return stats;
  }
}

/** Counts gained since `last`; the largest differences are those seen so far (a maximum does not subtract). */
function agreementGained(now: AgreementCounts, last: AgreementCounts | undefined): NonNullable<VersionStats['agreement']> {
  return {
    calls: now.calls - (last?.calls ?? 0),
    exact: now.exact - (last?.exact ?? 0),
    agreeing: now.agreeing - (last?.agreeing ?? 0),
    mismatched: now.mismatched - (last?.mismatched ?? 0),
    argmax_rows: now.argmaxRows - (last?.argmaxRows ?? 0),
    argmax_agreeing_rows: now.argmaxAgreeingRows - (last?.argmaxAgreeingRows ?? 0),
    max_abs_diff: now.maxAbsDiff,
    max_rel_diff: now.maxRelDiff,
  };
}
