/** The runner's Prometheus metrics, per model and version; documented in docs/observability.md. */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { createMetricsRegistry } from '@infermesh/common';
import type { ResponseCacheStats } from './ResponseCache.js';

/** What the gauges read from each model version at scrape time. */
export interface MeteredVersion {
  name: string;
  version: string;
  state: string;
  inFlight: number;
  memoryBytes: number;
  queueDepth: number;
  /** Present when the version caches answers. */
  responseCache: { stats: ResponseCacheStats } | undefined;
}

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256];

/** Metric handles the request path records into. */
export interface RunnerMetrics {
  registry: Registry;
  requests: Counter<'model' | 'version' | 'code'>;
  requestSeconds: Histogram<'model' | 'version'>;
  queueSeconds: Histogram<'model' | 'version'>;
  computeSeconds: Histogram<'model' | 'version'>;
  batchSize: Histogram<'model' | 'version'>;
}

export function createRunnerMetrics(runner: { name: string; device: string }, versions: () => readonly MeteredVersion[]): RunnerMetrics {
  const registry = createMetricsRegistry({ service: 'runner', runner: runner.name });
  const labels = ['model', 'version'] as const;
  const perVersion = (read: (v: MeteredVersion) => number) =>
    function (this: Gauge<'model' | 'version'>) {
      this.reset();
      for (const version of versions()) this.set({ model: version.name, version: version.version }, read(version));
    };
  new Gauge({
    name: 'infermesh_runner_info',
    help: 'Always 1; the device this runner owns is a label.',
    labelNames: ['device'],
    registers: [registry],
  }).set({ device: runner.device }, 1);
  new Gauge({
    name: 'infermesh_runner_models_loaded',
    help: 'Model versions READY on this runner.',
    registers: [registry],
    collect() {
      this.set(versions().filter((v) => v.state === 'READY').length);
    },
  });
  new Gauge({ name: 'infermesh_runner_in_flight', help: 'Requests queued or running, per version.', labelNames: labels, registers: [registry], collect: perVersion((v) => v.inFlight) });
  new Gauge({ name: 'infermesh_runner_queue_depth', help: 'Requests waiting for an instance, per version.', labelNames: labels, registers: [registry], collect: perVersion((v) => v.queueDepth) });
  new Gauge({ name: 'infermesh_runner_model_memory_bytes', help: 'Resident memory the runner grew by while loading the version (estimate).', labelNames: labels, registers: [registry], collect: perVersion((v) => v.memoryBytes) });
  new Gauge({ name: 'infermesh_runner_model_ready', help: '1 when the version is READY, else 0.', labelNames: labels, registers: [registry], collect: perVersion((v) => (v.state === 'READY' ? 1 : 0)) });
  responseCacheMetrics(registry, versions);
  return {
    registry,
    requests: new Counter({ name: 'infermesh_runner_requests_total', help: 'ModelInfer requests by gRPC status code.', labelNames: [...labels, 'code'], registers: [registry] }),
    requestSeconds: new Histogram({ name: 'infermesh_runner_request_duration_seconds', help: 'ModelInfer time at the runner, validation to response.', labelNames: labels, buckets: LATENCY_BUCKETS, registers: [registry] }),
    queueSeconds: new Histogram({ name: 'infermesh_runner_queue_duration_seconds', help: 'Time a request waited in the version queue.', labelNames: labels, buckets: LATENCY_BUCKETS, registers: [registry] }),
    computeSeconds: new Histogram({ name: 'infermesh_runner_compute_duration_seconds', help: 'onnxruntime run time per execution (batch).', labelNames: labels, buckets: LATENCY_BUCKETS, registers: [registry] }),
    batchSize: new Histogram({ name: 'infermesh_runner_batch_size', help: 'Rows per execution.', labelNames: labels, buckets: BATCH_BUCKETS, registers: [registry] }),
  };
}

/** Response cache series, read from the versions that cache at scrape time. */
function responseCacheMetrics(registry: Registry, versions: () => readonly MeteredVersion[]): void {
  const labelNames = ['model', 'version'] as const;
  const counted = (name: string, help: string, read: (stats: ResponseCacheStats) => number) =>
    new Counter({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        for (const version of versions()) {
          if (version.responseCache) this.inc({ model: version.name, version: version.version }, read(version.responseCache.stats));
        }
      },
    });
  counted('infermesh_runner_response_cache_hits_total', 'Requests answered from the response cache.', (stats) => stats.hits);
  counted('infermesh_runner_response_cache_misses_total', 'Response cache look-ups that found nothing.', (stats) => stats.misses);
  counted('infermesh_runner_response_cache_evictions_total', 'Cached answers dropped to stay within the byte budgets.', (stats) => stats.evictions);
  new Gauge({
    name: 'infermesh_runner_response_cache_bytes',
    help: 'Bytes of cached answers held, per version.',
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const version of versions()) {
        if (version.responseCache) this.set({ model: version.name, version: version.version }, version.responseCache.stats.bytes);
      }
    },
  });
}
