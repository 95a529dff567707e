/**
 * The gateway's status page: one self-contained HTML document (inline script and SVG, no
 * external assets) that polls /status.json every two seconds.
 */
export const STATUS_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>infermesh status</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1d2330; background: #fafbfc; }
  h1 { font-size: 1.3rem; margin: 0 0 .2rem; } h2 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; }
  .meta { color: #667; font-size: .85rem; }
  table { border-collapse: collapse; background: #fff; min-width: 40rem; }
  th, td { border: 1px solid #dde2ea; padding: .3rem .6rem; text-align: left; }
  th { background: #eef1f6; font-weight: 600; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
  .ok { color: #17803d; } .bad { color: #b42318; } .warn { color: #a15c07; }
  svg { background: #fff; border: 1px solid #dde2ea; }
  .legend span { display: inline-block; margin-right: 1rem; font-size: .85rem; }
  .swatch { display: inline-block; width: .8rem; height: .8rem; margin-right: .3rem; vertical-align: -1px; }
</style>
</head>
<body>
<h1>infermesh</h1>
<div class="meta" id="meta">loading…</div>
<h2>Models</h2>
<table id="models"><thead><tr><th>model</th><th>version</th><th>state</th><th>runners</th><th>traffic share</th><th>req/s (1 min)</th><th>errors</th><th>p99 ms</th></tr></thead><tbody></tbody></table>
<h2>p99 latency, last minute</h2>
<svg id="chart" width="720" height="220" role="img" aria-label="p99 latency per version over the last minute"></svg>
<div class="legend" id="legend"></div>
<div id="sink-section" hidden>
<h2>Prediction records to the sink</h2>
<table id="sink"><thead><tr><th>stream</th><th>buffered records</th><th>buffered bytes</th><th>published</th><th>dropped: buffer full</th><th>oversized</th><th>refused by sink</th><th>shutdown</th></tr></thead><tbody></tbody></table>
</div>
<h2>Runners</h2>
<table id="runners"><thead><tr><th>runner</th><th>address</th><th>device</th><th>health</th><th>in flight</th><th>versions ready</th></tr></thead><tbody></tbody></table>
<script>
const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#be185d', '#4d7c0f'];
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
const cell = (v, cls = '') => '<td class="' + cls + '">' + esc(v) + '</td>';
function share(model, version) {
  const r = model.rollout;
  if (!r) return model.versions.length === 1 ? '100 %' : '';
  const canary = r.canaryWeightBps / 100;
  if (version === r.canary) return canary.toFixed(1) + ' % (canary)';
  if (version === r.stable) return (100 - (r.canary ? canary : 0)).toFixed(1) + ' % (stable)';
  return '0 %';
}
function render(s) {
  document.getElementById('meta').textContent = 'version ' + s.version + ' · updated ' + new Date(s.generatedAt).toLocaleTimeString();
  const traffic = new Map(s.traffic.map((t) => [t.model + '/' + t.version, t]));
  const rows = [];
  for (const m of s.models) for (const v of m.versions) {
    const t = traffic.get(m.name + '/' + v.version);
    const err = t ? t.errorRate * 100 : 0;
    rows.push('<tr data-model="' + esc(m.name) + '" data-version="' + esc(v.version) + '">' + cell(m.name) + cell(v.version) + cell(v.state, v.state === 'READY' ? 'ok' : 'warn') +
      cell(v.runners, 'num') + cell(share(m, v.version)) + cell(t ? t.rate.toFixed(2) : '0.00', 'num rate') +
      cell(err.toFixed(2) + ' %', 'num ' + (err > 1 ? 'bad' : '')) + cell(t && t.calls ? t.p99Ms.toFixed(2) : '–', 'num') + '</tr>');
  }
  document.querySelector('#models tbody').innerHTML = rows.join('');
  document.querySelector('#runners tbody').innerHTML = s.runners.map((r) => '<tr>' + cell(r.name || '?') + cell(r.address) + cell(r.device || '?') +
    cell(r.healthy ? 'up' : 'down', r.healthy ? 'ok' : 'bad') + cell(r.outstanding, 'num') +
    cell(r.models.filter((m) => m.state === 'READY').map((m) => m.name + ' v' + m.version).join(', ')) + '</tr>').join('');
  renderSink(s.sink);
  drawChart(s.traffic.filter((t) => t.calls > 0));
}
function renderSink(k) {
  document.getElementById('sink-section').hidden = !k;
  if (!k) return;
  const d = k.drops, num = (v, bad) => cell(v, 'num ' + (bad && v > 0 ? 'bad' : ''));
  document.querySelector('#sink tbody').innerHTML = '<tr>' + cell(k.connected ? 'up' : 'down', k.connected ? 'ok' : 'bad') +
    num(k.buffered) + num(k.bufferedBytes) + num(k.published) + num(d.buffer_full, true) + num(d.oversized, true) + num(d.refused, true) + num(d.shutdown, true) + '</tr>';
}
function drawChart(series) {
  const svg = document.getElementById('chart'), W = 720, H = 220, L = 48, B = 24;
  const max = Math.max(1, ...series.flatMap((t) => t.series.map((p) => p.p99Ms)));
  let out = '<line x1="' + L + '" y1="' + (H - B) + '" x2="' + W + '" y2="' + (H - B) + '" stroke="#99a"/>';
  for (let i = 0; i <= 4; i++) {
    const y = H - B - (i / 4) * (H - B - 10);
    out += '<text x="4" y="' + (y + 4) + '" font-size="11" fill="#667">' + (max * i / 4).toFixed(1) + '</text><line x1="' + L + '" x2="' + W + '" y1="' + y + '" y2="' + y + '" stroke="#eef"/>';
  }
  out += '<text x="' + L + '" y="' + (H - 6) + '" font-size="11" fill="#667">-60 s</text><text x="' + (W - 30) + '" y="' + (H - 6) + '" font-size="11" fill="#667">now</text>';
  series.forEach((t, k) => {
    const pts = t.series.map((p, i) => (L + i * (W - L) / 59).toFixed(1) + ',' + (H - B - (p.p99Ms / max) * (H - B - 10)).toFixed(1));
    out += '<polyline fill="none" stroke-width="2" stroke="' + COLORS[k % COLORS.length] + '" points="' + pts.join(' ') + '"/>';
  });
  svg.innerHTML = out;
  document.getElementById('legend').innerHTML = series.map((t, k) => '<span><i class="swatch" style="background:' + COLORS[k % COLORS.length] + '"></i>' + esc(t.model + ' v' + t.version) + '</span>').join('');
}
async function tick() {
  try { render(await (await fetch('status.json', { cache: 'no-store' })).json()); }
  catch (e) { document.getElementById('meta').textContent = 'cannot reach the gateway: ' + e.message; }
}
tick();
setInterval(tick, 2000);
</script>
</body>
</html>
`;
