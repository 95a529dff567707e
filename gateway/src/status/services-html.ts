/** The status page's runners, registry, discovery and sink sections, rendered on the server, and the cell helpers the page shares. */
import { escapeHtml } from './sparkline.js';
import type { DiscoveryHealth } from '@infermesh/common/discovery';
import type { RunnerView } from './runner-view.js';
import type { RegistryHealth } from './RegistryView.js';
import type { SinkView } from './sink-view.js';
import type { StatusSnapshot } from './status-snapshot.js';

/** A table cell with escaped text. */
export const cell = (value: unknown, className = ''): string => `<td class="${className.trim()}">${escapeHtml(value)}</td>`;

/** 0..1 as a percentage. */
export const percent = (share: number, digits = 1): string => `${(share * 100).toFixed(digits)} %`;

/** 'v2', or 'none' for ''. */
export const versionText = (version: string): string => (version === '' ? 'none' : `v${version}`);

const bytes = (value: number): string => (value >= 1 << 30 ? `${(value / (1 << 30)).toFixed(2)} GiB` : value >= 1 << 20 ? `${(value / (1 << 20)).toFixed(1)} MiB` : `${(value / 1024).toFixed(0)} KiB`);

const age = (ms: number | undefined): string => (ms === undefined ? 'never' : ms < 1_000 ? `${ms} ms ago` : ms < 120_000 ? `${(ms / 1000).toFixed(1)} s ago` : `${Math.round(ms / 60_000)} min ago`);

const upDown = (up: boolean, yes = 'up', no = 'down'): string => cell(up ? yes : no, up ? 'ok' : 'bad');

export function servicesHtml(snapshot: StatusSnapshot): string {
  const now = Date.parse(snapshot.generatedAt);
  return [
    runnersHtml(snapshot.runners),
    snapshot.registry ? registryHtml(snapshot.registry, now) : '',
    snapshot.discovery ? discoveryHtml(snapshot.discovery, now) : '',
    snapshot.sink ? sinkHtml(snapshot.sink) : '',
  ].join('\n');
}

function runnersHtml(runners: readonly RunnerView[]): string {
  const rows = runners.map(
    (r) =>
      `<tr data-address="${escapeHtml(r.address)}">` +
      cell(r.name || '?') +
      cell(r.address) +
      cell(r.device || '?') +
      upDown(r.healthy) +
      cell(r.outstanding, 'num outstanding') +
      cell(r.queueDepth, 'num queue') +
      cell(r.inFlight, 'num inflight') +
      cell(r.meanBatchSize === undefined ? '–' : r.meanBatchSize.toFixed(2), 'num batch') +
      cell(r.cpuCores === undefined ? '–' : `${(r.cpuCores * 100).toFixed(0)} %`, 'num cpu') +
      cell(r.rssBytes > 0 ? bytes(r.rssBytes) : '–', 'num memory') +
      cell(r.models.filter((m) => m.state === 'READY').map((m) => `${m.name} v${m.version}`).join(', ')) +
      '</tr>',
  );
  return (
    '<h2>Runners</h2>' +
    '<table id="runners"><thead><tr><th>runner</th><th>address</th><th>device</th><th>health</th><th>gateway calls in flight</th><th>queue depth</th>' +
    '<th>queued or running</th><th>mean batch size</th><th>CPU (100 % = one core)</th><th>memory (RSS)</th><th>versions ready</th></tr></thead>' +
    `<tbody>${rows.join('')}</tbody></table>`
  );
}

function registryHtml(registry: RegistryHealth, now: number): string {
  return (
    '<h2>Registry</h2>' +
    '<table id="registry"><thead><tr><th>address</th><th>route stream</th><th>last route update</th><th>revision</th><th>history and policies</th></tr></thead><tbody><tr>' +
    cell(registry.address) +
    upDown(registry.connected) +
    cell(age(registry.lastUpdateAtMs === undefined ? undefined : now - registry.lastUpdateAtMs), 'age') +
    cell(registry.revision, 'num') +
    cell(registry.error ? `unreadable: ${registry.error}` : 'read', registry.error ? 'bad' : 'ok') +
    '</tr></tbody></table>'
  );
}

function discoveryHtml(discovery: DiscoveryHealth, now: number): string {
  return (
    '<h2>Discovery</h2>' +
    '<table id="discovery"><thead><tr><th>backend</th><th>reachable</th><th>since</th><th>routes</th></tr></thead><tbody><tr>' +
    cell(discovery.backend) +
    upDown(discovery.reachable, 'yes', `no: ${discovery.error ?? ''}`) +
    cell(age(now - discovery.sinceMs), 'age') +
    cell(discovery.reachable ? 'followed' : 'last heard, kept', discovery.reachable ? 'ok' : 'bad') +
    '</tr></tbody></table>'
  );
}

function sinkHtml(sink: SinkView): string {
  const d = sink.drops;
  const num = (value: number, bad = false) => cell(value, `num ${bad && value > 0 ? 'bad' : ''}`);
  const destinations = (sink.spool?.destinations ?? []).map(
    (dest) =>
      `<tr data-destination="${escapeHtml(dest.name)}">` +
      cell(`${dest.name} (${dest.type})`) +
      num(dest.lag) +
      num(dest.delivered) +
      num(dest.retried) +
      num(dest.deadLettered, true) +
      cell(dest.lastError || '–', dest.lastError ? 'bad' : '') +
      '</tr>',
  );
  return (
    '<h2>Sink</h2>' +
    '<table id="sink"><thead><tr><th>address</th><th>publish stream</th><th>last ack</th><th>buffered records</th><th>buffered bytes</th><th>published</th>' +
    '<th>dropped: buffer full</th><th>oversized</th><th>refused</th><th>shutdown</th><th>spool depth</th><th>spool bytes</th></tr></thead><tbody><tr>' +
    cell(sink.address) +
    upDown(sink.connected) +
    cell(age(sink.lastAckAgeMs), 'age') +
    num(sink.buffered) +
    num(sink.bufferedBytes) +
    num(sink.published) +
    num(d.buffer_full, true) +
    num(d.oversized, true) +
    num(d.refused, true) +
    num(d.shutdown, true) +
    (sink.spool ? num(sink.spool.depth) + cell(bytes(sink.spool.spoolBytes), 'num') : `<td colspan="2" class="bad">${escapeHtml(`no Status: ${sink.spoolError ?? ''}`)}</td>`) +
    '</tr></tbody></table>' +
    (destinations.length > 0
      ? '<table id="destinations"><thead><tr><th>destination</th><th>lag (entries)</th><th>delivered</th><th>retried</th><th>dead-lettered</th><th>last error</th></tr></thead>' +
        `<tbody>${destinations.join('')}</tbody></table>`
      : '') +
    '<p class="note">Buffered: records this gateway holds until the sink acknowledges them. Lag: entries in the sink’s spool a destination has not delivered yet.</p>'
  );
}
