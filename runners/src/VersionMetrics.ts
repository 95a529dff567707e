/** One model version's Prometheus series, bound to its labels once. */
import type { Counter, Histogram } from 'prom-client';
import type { RunnerMetrics } from './runner-metrics.js';

type VersionLabel = 'model' | 'version';

/**
 * Bound when the version loads so that the request path builds no label objects.
 * prom-client creates a series on its first value, not when a child is bound, so /metrics
 * shows the same series as labelled calls would.
 */
export class VersionMetrics {
  private readonly ok: Counter.Internal;
  private readonly requestSeconds: Histogram.Internal<VersionLabel>;
  private readonly queueSeconds: Histogram.Internal<VersionLabel>;
  private readonly computeSeconds: Histogram.Internal<VersionLabel>;
  private readonly batchSize: Histogram.Internal<VersionLabel>;

  constructor(
    private readonly metrics: RunnerMetrics,
    private readonly labels: { model: string; version: string },
  ) {
    this.ok = metrics.requests.labels({ ...labels, code: 'OK' });
    this.requestSeconds = metrics.requestSeconds.labels(labels);
    this.queueSeconds = metrics.queueSeconds.labels(labels);
    this.computeSeconds = metrics.computeSeconds.labels(labels);
    this.batchSize = metrics.batchSize.labels(labels);
  }

  /** A ModelInfer answered OK; it started at `startedMs` (`performance.now()`). */
  succeeded(startedMs: number): void {
    this.ok.inc();
    this.requestSeconds.observe((performance.now() - startedMs) / 1000);
  }

  /** A ModelInfer failed with this gRPC code name; errors are rare, so their labels are built here. */
  failed(code: string): void {
    this.metrics.requests.inc({ ...this.labels, code });
  }

  /** One request of a successful execution had waited `waitMs` in the queue. */
  queued(waitMs: number): void {
    this.queueSeconds.observe(waitMs / 1000);
  }

  /** An execution of `rows` rows ran for `computeNs` in onnxruntime. */
  executed(rows: number, computeNs: number): void {
    this.batchSize.observe(rows);
    this.computeSeconds.observe(computeNs / 1e9);
  }
}
