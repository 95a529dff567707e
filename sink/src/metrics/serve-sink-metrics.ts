/** The sink's `/metrics` endpoint. */
import { createMetricsRegistry, metricsRoute, startHttpServer, type StartedHttpServer, type TlsFiles } from '@infermesh/common';
import { registerSinkMetrics, type SinkMetricsView } from './sink-metrics.js';

/**
 * Serves the process metrics and the sink's, read from `view` at each scrape, on `host:port`.
 * @internal
 */
export async function serveSinkMetrics(host: string, port: number, tls: TlsFiles | undefined, view: SinkMetricsView): Promise<StartedHttpServer> {
  const registry = createMetricsRegistry({ service: 'sink' });
  registerSinkMetrics(registry, view);
  return startHttpServer({ host, port, routes: { '/metrics': metricsRoute(registry) }, ...(tls ? { tls } : {}) });
}
