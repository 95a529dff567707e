/** The gateway's HTTP routes: the status page (rendered on the server), its body alone, its JSON, and Prometheus metrics. */
import type { ServerResponse } from 'node:http';
import { metricsRoute, type Route } from '@infermesh/common';
import { collectStatus, type StatusSources } from './collect-status.js';
import { statusHtml } from './status-html.js';
import { statusPage } from './status-page.js';

function send(response: ServerResponse, contentType: string, body: string): void {
  response.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
  response.end(body);
}

export function statusRoutes(sources: StatusSources): Record<string, Route> {
  return {
    '/': async (_request, response) => send(response, 'text/html; charset=utf-8', statusPage(statusHtml(await collectStatus(sources)))),
    '/status.body.html': async (_request, response) => send(response, 'text/html; charset=utf-8', statusHtml(await collectStatus(sources))),
    '/status.json': async (_request, response) => send(response, 'application/json', JSON.stringify(await collectStatus(sources))),
    '/metrics': metricsRoute(sources.stats.registry),
  };
}
