/**
 * The gateway's view of traffic: one InferObserver that counts every call once, per model
 * version, in fixed-size counters on the gateway's latency scale. Prometheus metrics, the
 * rolling one-minute window of the status page (recent error rate and p99, e.g. for a
 * rollout policy) and the registry's per-version reports are all read from those counts.
 */
import { status } from '@grpc/grpc-js';
import { Counter, Gauge, type Registry } from 'prom-client';
import { createMetricsRegistry } from '@infermesh/common';
import type { InferEvent, InferObserver } from '../InferObserver.js';
import type { RunnerEndpoint } from '../RunnerEndpoint.js';
import type { RunnerPool } from '../RunnerPool.js';
import type { SinkPublisherStats } from '../sink/SinkPublisher.js';
import { LATENCY_BUCKETS, latencyBucket } from './latency-scale.js';
import { RollingWindow, type WindowSummary } from './RollingWindow.js';
import { registerScaleHistogram } from './scale-histogram.js';

/** Prometheus' usual bounds, in seconds: each is a bound of the latency scale (the shadow metrics use them too). */
export const PROMETHEUS_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** gRPC status codes are 0..16. */
export const CODES = 17;

/** Codes that are the caller's doing, not the version's: they do not count as the version's errors. */
export const CALLER_CODES = new Set([
  status.OK,
  status.INVALID_ARGUMENT,
  status.NOT_FOUND,
  status.CANCELLED,
  status.ALREADY_EXISTS,
  status.PERMISSION_DENIED,
  status.UNAUTHENTICATED,
  status.OUT_OF_RANGE,
]);

/** Recent traffic of one model version. */
export interface VersionTraffic extends WindowSummary {
  model: string;
  version: string;
}

/** Everything counted of one version since the gateway started. */
export interface VersionCounts {
  model: string;
  version: string;
  /** Calls that reached a runner (a call that reached none says nothing about the version). */
  reached: number;
  /** Of those, the ones that failed on the version's side (not the caller's). */
  serverErrors: number;
  /** Of those, the ones the version refused as INVALID_ARGUMENT: the caller's, unless stable takes them. */
  invalidArguments: number;
  /** Calls that reached a runner, by bucket of the latency scale. */
  latency: Float64Array;
  latencySumMs: number;
}

/** A version's counts with every call also counted by gRPC code. */
export interface CodedCounts extends VersionCounts {
  /** Every call routed to the version, by gRPC code. */
  byCode: Float64Array;
}

/** One version's counters: updated in place by every call, never reallocated. */
interface VersionEntry extends CodedCounts {
  window: RollingWindow;
}

/** The counts of a version before its first call. */
export function emptyCounts(model: string, version: string): CodedCounts {
  return { model, version, reached: 0, serverErrors: 0, invalidArguments: 0, latency: new Float64Array(LATENCY_BUCKETS), latencySumMs: 0, byCode: new Float64Array(CODES) };
}

/** Counts a call that reached a runner: its kind of failure, if any, and its time in bucket `bucket` of the latency scale. */
export function countReached(counts: VersionCounts, code: status, bucket: number, latencyMs: number): void {
  counts.reached++;
  if (!CALLER_CODES.has(code)) counts.serverErrors++;
  else if (code === status.INVALID_ARGUMENT) counts.invalidArguments++;
  counts.latency[bucket]!++;
  counts.latencySumMs += latencyMs;
}

/**
 * A runner's labels: `runner` is its name, as the runner labels its own metrics (empty until
 * its first Status answer), `address` the host:port the gateway calls.
 */
const runnerLabels = (runner: RunnerEndpoint) => ({ runner: runner.status?.runner_name ?? '', address: runner.address });

export class GatewayStats implements InferObserver {
  readonly registry: Registry;
  /** model → version → entry */
  private readonly versions = new Map<string, Map<string, VersionEntry>>();
  /** Calls that never reached a version (unknown model, no route yet), by code. */
  private readonly unrouted = new Float64Array(CODES);
  /** The sink publisher's counters, once one is watched. */
  private sinkStats: (() => SinkPublisherStats) | undefined;

  constructor(pool: RunnerPool) {
    this.registry = createMetricsRegistry({ service: 'gateway' });
    const entries = () => [...this.versions.values()].flatMap((versions) => [...versions.values()]);
    const unrouted = this.unrouted;
    new Counter({
      name: 'infermesh_gateway_requests_total',
      help: 'ModelInfer calls routed to a version, by gRPC status code.',
      labelNames: ['model', 'version', 'code'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const entry of entries()) {
          entry.byCode.forEach((count, code) => count > 0 && this.inc({ model: entry.model, version: entry.version, code: codeName(code) }, count));
        }
      },
    });
    registerScaleHistogram(this.registry, {
      name: 'infermesh_gateway_request_duration_seconds',
      help: 'ModelInfer time at the gateway, receipt to answer, retries included, of calls that reached a runner.',
      bucketsSeconds: PROMETHEUS_BUCKETS,
      *series() {
        for (const entry of entries()) {
          if (entry.reached === 0) continue;
          yield { labels: { model: entry.model, version: entry.version }, counts: entry.latency, sumSeconds: entry.latencySumMs / 1000, count: entry.reached };
        }
      },
    });
    new Counter({
      name: 'infermesh_gateway_unrouted_requests_total',
      help: 'ModelInfer calls that never reached a version (unknown model, no ready runner), by code.',
      labelNames: ['code'],
      registers: [this.registry],
      collect() {
        this.reset();
        unrouted.forEach((count, code) => count > 0 && this.inc({ code: codeName(code) }, count));
      },
    });
    new Gauge({
      name: 'infermesh_gateway_runner_up',
      help: '1 when the runner answered its last Status poll; runner is its name (as on its own metrics), address the host:port the gateway calls.',
      labelNames: ['runner', 'address', 'device'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const runner of pool.runners) this.set({ ...runnerLabels(runner), device: runner.status?.device ?? '' }, runner.healthy ? 1 : 0);
      },
    });
    new Gauge({
      name: 'infermesh_gateway_runner_outstanding',
      help: 'Calls sent to the runner and not answered yet.',
      labelNames: ['runner', 'address'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const runner of pool.runners) this.set(runnerLabels(runner), runner.outstanding);
      },
    });
  }

  /**
   * Exports the sink publisher's counters (records dropped by reason, buffered records and
   * bytes, published); read only when scraped. (The status page reads the publisher itself.)
   */
  watchSink(publisher: { stats(): SinkPublisherStats }): void {
    if (this.sinkStats) throw new Error('GatewayStats: a sink publisher is already watched');
    this.sinkStats = () => publisher.stats();
    const read = this.sinkStats;
    new Counter({
      name: 'infermesh_gateway_sink_records_dropped_total',
      help: 'Prediction records the gateway dropped before the sink acknowledged them, by reason: buffer_full, oversized (over the message size), refused (the sink refused their batch), shutdown.',
      labelNames: ['reason'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [reason, count] of Object.entries(read().drops)) this.inc({ reason }, count);
      },
    });
    new Counter({
      name: 'infermesh_gateway_sink_records_published_total',
      help: 'Prediction records the sink has acknowledged (in its spool).',
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(read().published);
      },
    });
    new Gauge({
      name: 'infermesh_gateway_sink_buffered_records',
      help: 'Prediction records held by the gateway, not yet acknowledged by the sink.',
      registers: [this.registry],
      collect() {
        this.set(read().buffered);
      },
    });
    new Gauge({
      name: 'infermesh_gateway_sink_buffered_bytes',
      help: 'Bytes the held prediction records count for in the gateway buffer (maxBufferedBytes).',
      registers: [this.registry],
      collect() {
        this.set(read().bufferedBytes);
      },
    });
    new Gauge({
      name: 'infermesh_gateway_sink_connected',
      help: '1 while a Publish stream to the sink is up.',
      registers: [this.registry],
      collect() {
        this.set(read().connected ? 1 : 0);
      },
    });
  }

  /** The sink publisher's counters now, when one is watched. */
  sink(): SinkPublisherStats | undefined {
    return this.sinkStats?.();
  }

  onInfer(event: InferEvent): void {
    const code = event.code >= 0 && event.code < CODES ? event.code : status.UNKNOWN;
    // Versions label only calls that reached one, so callers cannot mint label values.
    if (event.version === '') {
      this.unrouted[code]!++;
      return;
    }
    const entry = this.entryOf(event.modelName, event.version);
    entry.byCode[code]!++;
    const bucket = latencyBucket(event.latencyMs);
    const serverError = !CALLER_CODES.has(code);
    entry.window.record(bucket, code !== status.OK, serverError);
    if (event.runner !== '') countReached(entry, code, bucket, event.latencyMs);
  }

  /** The last minute of every version that had traffic, by model then version. */
  traffic(): VersionTraffic[] {
    return [...this.versions.values()]
      .flatMap((versions) => [...versions.values()])
      .map(({ model, version, window }) => ({ model, version, ...window.summary() }))
      .sort((a, b) => a.model.localeCompare(b.model) || Number(a.version) - Number(b.version));
  }

  /** The last minute of one version (zeros when it had none). */
  versionTraffic(model: string, version: string): WindowSummary {
    return this.entryOf(model, version).window.summary();
  }

  /** What every version has counted since the gateway started; live objects, for readers that take differences. */
  counts(): readonly VersionCounts[] {
    return [...this.versions.values()].flatMap((versions) => [...versions.values()]);
  }

  private entryOf(model: string, version: string): VersionEntry {
    let versions = this.versions.get(model);
    if (!versions) {
      versions = new Map();
      this.versions.set(model, versions);
    }
    let entry = versions.get(version);
    if (!entry) {
      entry = { ...emptyCounts(model, version), window: new RollingWindow() };
      versions.set(version, entry);
    }
    return entry;
  }
}

function codeName(code: number): string {
  return status[code] ?? String(code);
}
