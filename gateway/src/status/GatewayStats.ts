/**
 * The gateway's view of traffic: an InferObserver feeding Prometheus metrics and a rolling
 * one-minute window per model version (for the status page, and for anything that needs
 * recent error rate and p99, such as a rollout policy).
 */
import { status } from '@grpc/grpc-js';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { createMetricsRegistry } from '@infermesh/common';
import type { InferEvent, InferObserver } from '../InferObserver.js';
import type { RunnerPool } from '../RunnerPool.js';
import { RollingWindow, type WindowSummary } from './RollingWindow.js';

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Recent traffic of one model version. */
export interface VersionTraffic extends WindowSummary {
  model: string;
  version: string;
}

/**
 * What one version's calls update: its window, and its metric series bound once, so a call
 * builds no label objects (calls that fail still label their code per call).
 */
interface VersionEntry {
  model: string;
  version: string;
  window: RollingWindow;
  ok: { inc(): void };
  duration: { observe(seconds: number): void };
}

export class GatewayStats implements InferObserver {
  readonly registry: Registry;
  /** model → version → entry */
  private readonly versions = new Map<string, Map<string, VersionEntry>>();
  private readonly requests: Counter<'model' | 'version' | 'code'>;
  private readonly duration: Histogram<'model' | 'version'>;
  private readonly unrouted: Counter<'code'>;

  constructor(pool: RunnerPool) {
    this.registry = createMetricsRegistry({ service: 'gateway' });
    this.requests = new Counter({
      name: 'infermesh_gateway_requests_total',
      help: 'ModelInfer calls routed to a version, by gRPC status code.',
      labelNames: ['model', 'version', 'code'],
      registers: [this.registry],
    });
    this.duration = new Histogram({
      name: 'infermesh_gateway_request_duration_seconds',
      help: 'ModelInfer time at the gateway, receipt to answer, retries included.',
      labelNames: ['model', 'version'],
      buckets: LATENCY_BUCKETS,
      registers: [this.registry],
    });
    this.unrouted = new Counter({
      name: 'infermesh_gateway_unrouted_requests_total',
      help: 'ModelInfer calls that never reached a version (unknown model, no ready runner), by code.',
      labelNames: ['code'],
      registers: [this.registry],
    });
    new Gauge({
      name: 'infermesh_gateway_runner_up',
      help: '1 when the runner answered its last Status poll.',
      labelNames: ['runner', 'device'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const runner of pool.runners) this.set({ runner: runner.address, device: runner.status?.device ?? '' }, runner.healthy ? 1 : 0);
      },
    });
    new Gauge({
      name: 'infermesh_gateway_runner_outstanding',
      help: 'Calls sent to the runner and not answered yet.',
      labelNames: ['runner'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const runner of pool.runners) this.set({ runner: runner.address }, runner.outstanding);
      },
    });
  }

  onInfer(event: InferEvent): void {
    const code = status[event.code] ?? String(event.code);
    // Versions label only calls that reached one, so callers cannot mint label values.
    if (event.version === '') {
      this.unrouted.inc({ code });
      return;
    }
    const entry = this.entryOf(event.modelName, event.version);
    if (event.code === status.OK) entry.ok.inc();
    else this.requests.inc({ model: event.modelName, version: event.version, code });
    entry.duration.observe(event.latencyMs / 1000);
    entry.window.record(event.latencyMs, event.code !== status.OK);
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

  private entryOf(model: string, version: string): VersionEntry {
    let versions = this.versions.get(model);
    if (!versions) {
      versions = new Map();
      this.versions.set(model, versions);
    }
    let entry = versions.get(version);
    if (!entry) {
      // Bound series appear in /metrics only once they count something.
      entry = {
        model,
        version,
        window: new RollingWindow(),
        ok: this.requests.labels(model, version, 'OK'),
        duration: this.duration.labels(model, version),
      };
      versions.set(version, entry);
    }
    return entry;
  }
}
