/**
 * The status page's content, rendered on the server from a snapshot: models with their
 * configured and observed shares and last-minute charts, canaries beside their rollback
 * limits, shadow traffic, rollout history, then runners, registry and sink (services-html.ts).
 */
import type { CanaryDistance } from './canary-distance.js';
import type { VersionTraffic } from './GatewayStats.js';
import type { RolloutHistoryEntry } from './RegistryView.js';
import { cell, percent, servicesHtml, versionText } from './services-html.js';
import { shadowsHtml } from './shadows-html.js';
import { escapeHtml, formatNumber, lineChart, sparkline } from './sparkline.js';
import type { ModelView, StatusSnapshot, VersionView } from './status-snapshot.js';

const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#be185d', '#4d7c0f'];

/** The body of the page (everything that refreshes), as HTML. */
export function statusHtml(snapshot: StatusSnapshot): string {
  const traffic = new Map(snapshot.traffic.map((t) => [`${t.model}/${t.version}`, t]));
  const charted = snapshot.traffic.filter((t) => t.calls > 0);
  return [
    `<div class="meta" id="meta">infermesh ${escapeHtml(snapshot.version)} · generated ${escapeHtml(snapshot.generatedAt)} · traffic over the last ${snapshot.windowSeconds} s, as this gateway routed it</div>`,
    '<h2>Models</h2>',
    modelsTable(snapshot.models, traffic),
    canariesHtml(snapshot.models),
    shadowsHtml(snapshot.shadows),
    `<h2>p99 latency, last minute</h2>`,
    lineChart(
      charted.map((t) => ({ name: `${t.model} v${t.version}`, values: t.series.map((p) => p.p99Ms) })),
      { id: 'chart', label: 'p99 latency per version over the last minute', unit: 'ms', colors: COLORS },
    ),
    `<div class="legend" id="legend">${charted.map((t, k) => `<span><i class="swatch" style="background:${COLORS[k % COLORS.length]}"></i>${escapeHtml(`${t.model} v${t.version}`)}</span>`).join('')}</div>`,
    historyHtml(snapshot.registry?.history),
    servicesHtml(snapshot),
  ].join('\n');
}

function modelsTable(models: readonly ModelView[], traffic: ReadonlyMap<string, VersionTraffic>): string {
  const head =
    '<tr><th>model</th><th>version</th><th>state</th><th>runners</th><th>configured share</th><th>observed share</th>' +
    '<th>req/s</th><th>req/s, last minute</th><th>errors</th><th>error rate, last minute</th><th>p99 ms</th><th>p99, last minute</th></tr>';
  const rows = models.flatMap((model) =>
    model.versions.map((version) => versionRow(model, version, traffic.get(`${model.name}/${version.version}`))),
  );
  return `<table id="models"><thead>${head}</thead><tbody>${rows.join('')}</tbody></table>`;
}

function versionRow(model: ModelView, version: VersionView, t: VersionTraffic | undefined): string {
  const role = model.rollout?.canary === version.version ? ' (canary)' : model.rollout?.stable === version.version ? ' (stable)' : '';
  const errorRate = t && t.calls > 0 ? t.errorRate : 0;
  const series = t?.series ?? [];
  return (
    `<tr data-model="${escapeHtml(model.name)}" data-version="${escapeHtml(version.version)}">` +
    cell(model.name) +
    cell(version.version) +
    cell(version.state || 'not loaded', version.state === 'READY' ? 'ok' : 'warn') +
    cell(version.runners, 'num') +
    cell(version.configuredShare === undefined ? '–' : percent(version.configuredShare) + role, 'num configured') +
    cell(version.observedShare === undefined ? '–' : `${percent(version.observedShare)} (${version.calls} calls)`, 'num observed') +
    cell(t ? t.rate.toFixed(2) : '0.00', 'num rate') +
    `<td>${sparkline(series.map((p) => p.calls), { className: 'rate', label: `${model.name} v${version.version} calls per second`, color: '#2563eb', unit: 'calls/s' })}</td>` +
    cell(percent(errorRate, 2), `num errors ${errorRate > 0.01 ? 'bad' : ''}`) +
    `<td>${sparkline(series.map((p) => (p.calls === 0 ? 0 : p.errors / p.calls) * 100), { className: 'errors', label: `${model.name} v${version.version} error rate`, color: '#b42318', unit: '%' })}</td>` +
    cell(t && t.calls > 0 ? formatNumber(t.p99Ms) : '–', 'num p99') +
    `<td>${sparkline(series.map((p) => p.p99Ms), { className: 'p99', label: `${model.name} v${version.version} p99 latency`, color: '#9333ea', unit: 'ms' })}</td>` +
    '</tr>'
  );
}

function canariesHtml(models: readonly ModelView[]): string {
  const canaries = models.filter((model) => model.canary).map((model) => canaryRow(model.name, model.canary!));
  if (canaries.length === 0) return '';
  return (
    '<h2>Canaries and their rollback limits</h2>' +
    '<table id="canaries"><thead><tr><th>model</th><th>canary</th><th>calls / minRequests</th><th>error rate / maxErrorRate</th><th>p99 ratio to stable / maxP99Ratio</th><th>verdict here</th></tr></thead>' +
    `<tbody>${canaries.join('')}</tbody></table>` +
    '<p class="note">Over this gateway’s last minute; the registry judges on every gateway’s reports over the policy’s window.</p>'
  );
}

function canaryRow(model: string, c: CanaryDistance): string {
  const judged = c.calls >= c.minRequests;
  const verdict = !c.policyEnabled ? 'automatic rollback off' : !judged ? `not judged yet: ${c.minRequests - c.calls} calls to go` : c.over.length > 0 ? `over: ${c.over.join(', ')}` : 'within limits';
  const ratio = c.p99Ratio === undefined ? '–' : `${c.p99Ratio.toFixed(2)}×`;
  return (
    `<tr data-model="${escapeHtml(model)}">` +
    cell(model) +
    cell(`v${c.canary} vs stable v${c.stable}`) +
    cell(`${c.calls} / ${c.minRequests}`, 'num calls') +
    cell(`${percent(c.errorRate, 2)} / ${percent(c.maxErrorRate, 2)}`, `num error-rate ${c.over.includes('error_rate') ? 'bad' : ''}`) +
    cell(`${ratio} / ${c.maxP99Ratio > 0 ? `${c.maxP99Ratio}×` : 'not checked'}`, `num p99-ratio ${c.over.includes('p99_ratio') ? 'bad' : ''}`) +
    cell(verdict, `verdict ${c.over.length > 0 ? 'bad' : judged ? 'ok' : 'warn'}`) +
    '</tr>'
  );
}

function historyHtml(history: readonly RolloutHistoryEntry[] | undefined): string {
  if (!history) return '';
  const rows = history.map(
    (e) =>
      `<tr data-model="${escapeHtml(e.model)}" data-action="${escapeHtml(e.action)}">` +
      cell(new Date(e.atMs).toISOString().replace('T', ' ').slice(0, 19)) +
      cell(e.model) +
      cell(e.action, e.action.includes('ROLLBACK') ? 'bad' : '') +
      cell(e.version ? `v${e.version}` : '–') +
      cell(`stable ${versionText(e.stable)}, canary ${versionText(e.canary)}${e.canary ? ` at ${percent(e.canaryWeightBps / 10_000)}` : ''}`, 'after') +
      cell(e.actor) +
      cell(e.reason) +
      '</tr>',
  );
  return (
    '<h2>Rollout history</h2>' +
    `<table id="history"><thead><tr><th>when (UTC)</th><th>model</th><th>action</th><th>about</th><th>rollout after</th><th>by</th><th>reason</th></tr></thead><tbody>${
      rows.length > 0 ? rows.join('') : '<tr><td colspan="7">no rollout changes yet</td></tr>'
    }</tbody></table>`
  );
}
