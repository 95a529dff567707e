/**
 * What the gateway counts of shadow calls, per model and shadow version, in fixed-size
 * counters: calls by code, latency on the gateway's scale, agreement with the primary, and
 * copies dropped. Prometheus, the status page and the registry's reports read them.
 */
import { status } from '@grpc/grpc-js';
import { Counter, Gauge, type Registry } from 'prom-client';
import { AgreementTally, summarizeAgreement, type AgreementSummary, type ResponseComparison } from '@infermesh/common';
import { CODES, countReached, emptyCounts, PROMETHEUS_BUCKETS, type CodedCounts } from '../status/GatewayStats.js';
import { latencyBucket, quantileMs } from '../status/latency-scale.js';
import { registerScaleHistogram } from '../status/scale-histogram.js';

/** Why a copy was not sent: the gateway's queue was full, the gateway was closing, or the shadow's runner was busy. */
export type ShadowDropReason = 'queue_full' | 'closing' | 'busy';

/** One shadow version's counts since the gateway started (every shadow call by code too). */
export interface ShadowCounts extends CodedCounts {
  /** How its answers compared with the primary's. */
  readonly agreement: AgreementTally;
}

/** A shadow version, summarised for the status page. */
export interface ShadowSummary {
  model: string;
  version: string;
  calls: number;
  errors: number;
  errorRate: number;
  p50Ms: number;
  p99Ms: number;
  agreement: AgreementSummary;
}

export class ShadowStats {
  /** model \u0000 version → counts */
  private readonly entries = new Map<string, ShadowCounts>();
  /** Copies dropped, by model and reason. */
  private readonly drops = new Map<string, Record<ShadowDropReason, number>>();

  constructor(registry: Registry, queued: () => number) {
    const entries = () => [...this.entries.values()];
    const drops = this.drops;
    new Counter({
      name: 'infermesh_gateway_shadow_requests_total',
      help: 'Copies of calls sent to a shadow version, by gRPC status code of its answer.',
      labelNames: ['model', 'version', 'code'],
      registers: [registry],
      collect() {
        this.reset();
        for (const entry of entries()) entry.byCode.forEach((count, code) => count > 0 && this.inc({ model: entry.model, version: entry.version, code: status[code] ?? String(code) }, count));
      },
    });
    new Counter({
      name: 'infermesh_gateway_shadow_dropped_total',
      help: 'Copies of calls not sent to the shadow version, by reason: queue_full (gateway.shadow.maxQueued or maxQueuedBytes), closing, busy (the shadow version\'s runner had no capacity to spare from other versions).',
      labelNames: ['model', 'reason'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [model, reasons] of drops) for (const [reason, count] of Object.entries(reasons)) if (count > 0) this.inc({ model, reason }, count);
      },
    });
    new Gauge({
      name: 'infermesh_gateway_shadow_queued',
      help: 'Copies of calls waiting for a shadow call.',
      registers: [registry],
      collect() {
        this.set(queued());
      },
    });
    registerScaleHistogram(registry, {
      name: 'infermesh_gateway_shadow_duration_seconds',
      help: 'Shadow call time, from sending the copy to the shadow version\'s answer.',
      bucketsSeconds: PROMETHEUS_BUCKETS,
      *series() {
        for (const entry of entries()) {
          if (entry.reached === 0) continue;
          yield { labels: { model: entry.model, version: entry.version }, counts: entry.latency, sumSeconds: entry.latencySumMs / 1000, count: entry.reached };
        }
      },
    });
    const agreementGauge = (name: string, help: string, read: (summary: AgreementSummary) => number | null) =>
      new Gauge({
        name,
        help,
        labelNames: ['model', 'version'],
        registers: [registry],
        collect() {
          this.reset();
          for (const entry of entries()) {
            const value = read(entry.agreement.summary());
            if (value !== null) this.set({ model: entry.model, version: entry.version }, value);
          }
        },
      });
    agreementGauge('infermesh_gateway_shadow_agreement_ratio', 'Share of compared shadow answers that agree with the primary (integer/BYTES outputs equal, float outputs the same argmax per row).', (s) => s.agreementShare);
    agreementGauge('infermesh_gateway_shadow_exact_ratio', 'Share of compared shadow answers byte for byte equal to the primary\'s.', (s) => s.exactShare);
    agreementGauge('infermesh_gateway_shadow_max_abs_diff', 'Largest absolute difference of a float output between shadow and primary.', (s) => (s.calls > 0 ? s.maxAbsDiff : null));
    agreementGauge('infermesh_gateway_shadow_max_rel_diff', 'Largest relative difference of a float output between shadow and primary.', (s) => (s.calls > 0 ? s.maxRelDiff : null));
    new Counter({
      name: 'infermesh_gateway_shadow_compared_total',
      help: 'Shadow answers compared with the primary\'s.',
      labelNames: ['model', 'version'],
      registers: [registry],
      collect() {
        this.reset();
        for (const entry of entries()) {
          const calls = entry.agreement.snapshot().calls;
          if (calls > 0) this.inc({ model: entry.model, version: entry.version }, calls);
        }
      },
    });
  }

  /** Counts one shadow call: its code, its time, and (when it answered) its comparison. */
  record(model: string, version: string, code: status, latencyMs: number, comparison: ResponseComparison | undefined): void {
    const entry = this.entryOf(model, version);
    entry.byCode[code >= 0 && code < CODES ? code : status.UNKNOWN]!++;
    countReached(entry, code, latencyBucket(latencyMs), latencyMs);
    if (comparison) entry.agreement.add(comparison);
  }

  /** Counts a copy that was not sent. */
  dropped(model: string, reason: ShadowDropReason): void {
    let reasons = this.drops.get(model);
    if (!reasons) this.drops.set(model, (reasons = { queue_full: 0, closing: 0, busy: 0 }));
    reasons[reason]++;
  }

  /** Copies dropped for `model` (every reason), or for every model. */
  droppedCount(model?: string): number {
    const sum = (reasons: Record<ShadowDropReason, number>) => reasons.queue_full + reasons.closing + reasons.busy;
    if (model !== undefined) {
      const reasons = this.drops.get(model);
      return reasons ? sum(reasons) : 0;
    }
    let total = 0;
    for (const reasons of this.drops.values()) total += sum(reasons);
    return total;
  }

  /** Models that had copies dropped. */
  droppedModels(): string[] {
    return [...this.drops.keys()];
  }

  /** Live counts of every shadow version, for readers that take differences (the registry's reports). */
  counts(): readonly ShadowCounts[] {
    return [...this.entries.values()];
  }

  /** Every shadow version since the gateway started, for the status page. */
  summaries(): ShadowSummary[] {
    return [...this.entries.values()]
      .map((entry) => ({
        model: entry.model,
        version: entry.version,
        calls: entry.reached,
        errors: entry.serverErrors,
        errorRate: entry.reached > 0 ? entry.serverErrors / entry.reached : 0,
        p50Ms: quantileMs(entry.latency, entry.reached, 0.5),
        p99Ms: quantileMs(entry.latency, entry.reached, 0.99),
        agreement: summarizeAgreement(entry.agreement.snapshot()),
      }))
      .sort((a, b) => a.model.localeCompare(b.model) || Number(a.version) - Number(b.version));
  }

  private entryOf(model: string, version: string): ShadowCounts {
    const key = `${model}\u0000${version}`;
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { ...emptyCounts(model, version), agreement: new AgreementTally() };
      this.entries.set(key, entry);
    }
    return entry;
  }
}
