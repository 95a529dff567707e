/** Inline SVG charts for the status page: drawn on the server as markup, no script, no external asset. */

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** To one decimal: toFixed costs more than the rest of a chart. */
const tenth = (value: number) => Math.round(value * 10) / 10;

/** Points of a line over `values`, oldest at the left, scaled to `max` (at least 1e-9). */
function points(values: readonly number[], width: number, height: number, max: number, left = 0, pad = 2): string {
  const step = values.length > 1 ? (width - left) / (values.length - 1) : 0;
  const scale = (height - 2 * pad) / max;
  let out = '';
  for (let i = 0; i < values.length; i++) out += `${i === 0 ? '' : ' '}${tenth(left + i * step)},${tenth(height - pad - values[i]! * scale)}`;
  return out;
}

/** A small line chart of one series, with its largest value in the title (a tooltip). */
export function sparkline(values: readonly number[], options: { className: string; label: string; color: string; unit: string }): string {
  const width = 120;
  const height = 26;
  const max = Math.max(...values, 0);
  return (
    `<svg class="spark ${escapeHtml(options.className)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(options.label)}">` +
    `<title>${escapeHtml(`${options.label}, last minute; peak ${formatNumber(max)} ${options.unit}`)}</title>` +
    `<polyline fill="none" stroke="${options.color}" stroke-width="1.5" points="${points(values, width, height, max > 0 ? max : 1)}"/></svg>`
  );
}

/** A larger chart: one line per series, a y-axis in `unit`, the last minute along x. */
export function lineChart(series: readonly { name: string; values: readonly number[] }[], options: { id: string; label: string; unit: string; colors: readonly string[] }): string {
  const width = 720;
  const height = 200;
  const left = 52;
  const bottom = 22;
  const max = Math.max(1e-9, ...series.flatMap((s) => s.values));
  let out = `<svg id="${escapeHtml(options.id)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(options.label)}">`;
  for (let i = 0; i <= 4; i++) {
    const y = height - bottom - (i / 4) * (height - bottom - 10);
    out += `<line x1="${left}" x2="${width}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="#e5e8ef"/><text x="4" y="${(y + 4).toFixed(1)}" font-size="11" fill="#667">${escapeHtml(formatNumber((max * i) / 4))} ${escapeHtml(options.unit)}</text>`;
  }
  out += `<text x="${left}" y="${height - 5}" font-size="11" fill="#667">-60 s</text><text x="${width - 28}" y="${height - 5}" font-size="11" fill="#667">now</text>`;
  series.forEach((s, k) => {
    out += `<polyline data-series="${escapeHtml(s.name)}" fill="none" stroke-width="2" stroke="${options.colors[k % options.colors.length]}" points="${points(s.values, width, height - bottom + 2, max, left)}"/>`;
  });
  return `${out}</svg>`;
}

/** A number with about three significant digits. */
export function formatNumber(value: number): string {
  if (value === 0) return '0';
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}
