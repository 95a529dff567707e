/**
 * Starts OpenTelemetry's NodeSDK for one service. Tracing is manual (grpc middleware in
 * each service, see grpc-tracing.ts), so nothing is monkey-patched and import order does
 * not matter. Spans are exported over OTLP/HTTP only when OTEL_EXPORTER_OTLP_ENDPOINT is
 * set; W3C trace context is propagated either way, so a caller's trace continues and log
 * lines carry its ids. Sampling follows the standard OTEL_TRACES_SAMPLER variables; with no
 * exporter and no sampler asked for, nothing is sampled.
 */
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { AlwaysOffSampler, BatchSpanProcessor, NoopSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { EnvironmentOverrides } from '../config/env.js';

/** A started SDK; `shutdown` flushes spans still buffered. */
export interface Telemetry {
  shutdown(): Promise<void>;
}

export function startTelemetry(
  serviceName: string,
  env: Pick<EnvironmentOverrides, 'otlpEndpoint' | 'tracingDisabled' | 'tracesSampler'>,
): Telemetry {
  if (env.tracingDisabled) return { shutdown: async () => undefined };
  const sdk = new NodeSDK({
    serviceName,
    spanProcessors: [env.otlpEndpoint ? new BatchSpanProcessor(new OTLPTraceExporter()) : new NoopSpanProcessor()],
    // With nowhere to export, recording spans only costs time: sample none unless a sampler
    // is asked for. Context still propagates, so callers' trace ids reach logs and peers.
    ...(!env.otlpEndpoint && !env.tracesSampler ? { sampler: new AlwaysOffSampler() } : {}),
    instrumentations: [],
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}
