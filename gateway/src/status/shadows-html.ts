/** The status page's shadow table: per shadow version, calls, drops, errors, latency and agreement with the primary. */
import type { ShadowView } from './status-snapshot.js';
import { cell, percent } from './services-html.js';
import { escapeHtml, formatNumber } from './sparkline.js';

/** '' when no call has been copied to a shadow and none dropped. */
export function shadowsHtml(shadows: readonly ShadowView[] | undefined): string {
  if (!shadows || shadows.length === 0) return '';
  const rows = shadows.map((s) => {
    const a = s.agreement;
    const share = (value: number | null) => (value === null ? '–' : percent(value, 1));
    return (
      `<tr data-model="${escapeHtml(s.model)}" data-version="${escapeHtml(s.version)}">` +
      cell(s.model) +
      cell(s.version ? `v${s.version}` : '–') +
      cell(s.calls, 'num calls') +
      cell(s.dropped, `num dropped ${s.dropped > 0 ? 'warn' : ''}`) +
      cell(percent(s.errorRate, 2), `num errors ${s.errorRate > 0.01 ? 'bad' : ''}`) +
      cell(s.calls > 0 ? formatNumber(s.p50Ms) : '–', 'num p50') +
      cell(s.calls > 0 ? formatNumber(s.p99Ms) : '–', 'num p99') +
      cell(`${share(a.agreementShare)} of ${a.calls}`, `num agreement ${a.agreementShare !== null && a.agreementShare < 1 ? 'warn' : ''}`) +
      cell(share(a.exactShare), 'num exact') +
      cell(a.argmaxShare === null ? '–' : `${share(a.argmaxShare)} of ${a.argmaxRows} rows`, 'num argmax') +
      cell(a.calls > 0 ? `${a.maxAbsDiff.toPrecision(3)} / ${a.maxRelDiff.toPrecision(3)}` : '–', 'num diff') +
      '</tr>'
    );
  });
  return (
    '<h2>Shadow traffic</h2>' +
    '<table id="shadows"><thead><tr><th>model</th><th>shadow</th><th>calls</th><th>dropped</th><th>error rate</th><th>p50 ms</th><th>p99 ms</th>' +
    '<th>agreement</th><th>exact</th><th>argmax</th><th>max abs / rel diff</th></tr></thead>' +
    `<tbody>${rows.join('')}</tbody></table>` +
    '<p class="note">Since this gateway started. Shadow answers are compared with the primary’s and never reach a caller.</p>'
  );
}
