/** A small HTTP server for a service's Prometheus metrics (and, on the gateway, its status page). */
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { TlsFiles } from '../tls/TlsFiles.js';
import { Registry, collectDefaultMetrics } from 'prom-client';

/** Answers one GET path. */
export type Route = (request: IncomingMessage, response: ServerResponse) => void | Promise<void>;

/** A started HTTP server. */
export interface StartedHttpServer {
  port: number;
  address: string;
  close(): Promise<void>;
}

const PREFIX = 'infermesh_';

/**
 * prom-client's gauges whose names end in `_total`, which Prometheus keeps for counters
 * (`promtool check metrics` flags them). Each is the sum of its by-type sibling
 * (`infermesh_nodejs_active_handles{type}`), so they are left out: sum that instead.
 */
const TOTAL_GAUGES = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/**
 * A registry with the process metrics (CPU, memory, event loop lag, GC) under `infermesh_`,
 * each named as Prometheus's conventions want.
 */
export function createMetricsRegistry(labels: Record<string, string>): Registry {
  const registry = new Registry();
  registry.setDefaultLabels(labels);
  collectDefaultMetrics({ register: registry, prefix: PREFIX });
  for (const name of TOTAL_GAUGES) registry.removeSingleMetric(PREFIX + name);
  return registry;
}

/** The `/metrics` route: Prometheus text exposition of `registry`. */
export function metricsRoute(registry: Registry): Route {
  return async (_request, response) => {
    const body = await registry.metrics();
    response.writeHead(200, { 'content-type': registry.contentType });
    response.end(body);
  };
}

/** Answers a request no route takes; false when it does not either (the server answers 404 or 405). */
export type FallbackHandler = (request: IncomingMessage, response: ServerResponse) => boolean;

/** Serves `routes` (exact paths, GET only), then `fallback` (any method, any path); anything else is 404. */
export async function startHttpServer(options: {
  host: string;
  port: number;
  routes: Record<string, Route>;
  fallback?: FallbackHandler;
  tls?: TlsFiles;
}): Promise<StartedHttpServer> {
  const answer: RequestListener = (request, response) => {
    const path = (request.url ?? '/').split('?')[0]!;
    const route = request.method === 'GET' ? options.routes[path] : undefined;
    if (!route) {
      if (options.fallback?.(request, response)) return;
      response.writeHead(request.method === 'GET' ? 404 : 405, { 'content-type': 'text/plain' });
      response.end(request.method === 'GET' ? `no page at ${path}\n` : 'only GET is served\n');
      return;
    }
    Promise.resolve(route(request, response)).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
      response.end(`error: ${(error as Error).message}\n`);
    });
  };
  const { tls } = options;
  const server = tls ? createHttpsServer(tls.serverOptions(), answer) : createServer(answer);
  const unwatch = tls && tls.onChange((material) => (server as HttpsServer).setSecureContext(material));
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as { port: number };
  return {
    port,
    address: `${options.host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        unwatch?.();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
