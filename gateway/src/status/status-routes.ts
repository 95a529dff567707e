/** The gateway's HTTP routes: status page, its JSON, and Prometheus metrics. */
import { metricsRoute, type Route } from '@infermesh/common';
import type { RunnerPool } from '../RunnerPool.js';
import type { GatewayStats } from './GatewayStats.js';
import { STATUS_PAGE_HTML } from './status-page.js';
import { statusSnapshot, type RolloutView } from './status-snapshot.js';

export function statusRoutes(pool: RunnerPool, stats: GatewayStats, rollouts: () => readonly RolloutView[] = () => []): Record<string, Route> {
  return {
    '/': (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      response.end(STATUS_PAGE_HTML);
    },
    '/status.json': (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      response.end(JSON.stringify(statusSnapshot(pool, stats, rollouts)));
    },
    '/metrics': metricsRoute(stats.registry),
  };
}
