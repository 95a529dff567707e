/**
 * Starts OpenTelemetry's NodeSDK for one service. Tracing is manual (grpc middleware in
 * each service, see grpc-tracing.ts), so nothing is monkey-patched and import order does
 * not matter. Spans are exported over OTLP/HTTP only when OTEL_EXPORTER_OTLP_ENDPOINT is
 * set; sampling follows the standard OTEL_TRACES_SAMPLER variables. With no exporter and no
 * sampler asked for, no span could ever be sampled: the SDK is not even loaded (it is
 * ~12 MB of a process's memory), the hot paths skip spans altogether (sampling-mode.ts),
 * and a caller's trace headers pass from hop to hop untouched, so its trace continues.
 */
import type { EnvironmentOverrides } from '../config/env.js';
import { declareSpansNeverSampled } from './sampling-mode.js';

/** A started SDK; `shutdown` flushes spans still buffered. */
export interface Telemetry {
  shutdown(): Promise<void>;
}

const NOTHING_TO_SHUT_DOWN: Telemetry = { shutdown: async () => undefined };

export async function startTelemetry(
  serviceName: string,
  env: Pick<EnvironmentOverrides, 'otlpEndpoint' | 'tracingDisabled' | 'tracesSampler'>,
): Promise<Telemetry> {
  const never = env.tracingDisabled === true || (!env.otlpEndpoint && !env.tracesSampler);
  declareSpansNeverSampled(never);
  if (never) return NOTHING_TO_SHUT_DOWN;
  const [{ NodeSDK }, { BatchSpanProcessor, NoopSpanProcessor }, { OTLPTraceExporter }] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/exporter-trace-otlp-http'),
  ]);
  const sdk = new NodeSDK({
    serviceName,
    // A sampler without an exporter records spans for nobody, but that is what was asked for.
    spanProcessors: [env.otlpEndpoint ? new BatchSpanProcessor(new OTLPTraceExporter()) : new NoopSpanProcessor()],
    instrumentations: [],
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}
