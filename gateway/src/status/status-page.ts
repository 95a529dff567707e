/**
 * The gateway's status page: one self-contained HTML document (inline style, SVG and script,
 * no external assets). Its content is rendered on the server, so it shows data without
 * JavaScript (and then reloads itself every 10 s); with JavaScript it swaps in a freshly
 * rendered body from /status.body.html every two seconds.
 */
import { escapeHtml } from './sparkline.js';

const STYLE = `
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1d2330; background: #fafbfc; }
  h1 { font-size: 1.3rem; margin: 0 0 .2rem; } h2 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; }
  .meta, .note { color: #667; font-size: .85rem; }
  table { border-collapse: collapse; background: #fff; margin-bottom: .4rem; }
  th, td { border: 1px solid #dde2ea; padding: .25rem .5rem; text-align: left; vertical-align: middle; }
  th { background: #eef1f6; font-weight: 600; font-size: .85rem; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
  .ok { color: #17803d; } .bad { color: #b42318; } .warn { color: #a15c07; }
  svg { background: #fff; } #chart { border: 1px solid #dde2ea; } svg.spark { display: block; }
  .legend span { display: inline-block; margin-right: 1rem; font-size: .85rem; }
  .swatch { display: inline-block; width: .8rem; height: .8rem; margin-right: .3rem; vertical-align: -1px; }`;

const SCRIPT = `
const body = document.getElementById('status');
async function tick() {
  try {
    const response = await fetch('status.body.html', { cache: 'no-store' });
    if (!response.ok) throw new Error('HTTP ' + response.status);
    body.innerHTML = await response.text();
  } catch (e) {
    document.getElementById('meta').textContent = 'cannot reach the gateway: ' + e.message;
  }
}
setInterval(tick, 2000);`;

/** The whole page around an already rendered body. */
export function statusPage(bodyHtml: string, title = 'infermesh status'): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<noscript><meta http-equiv="refresh" content="10"></noscript>
<style>${STYLE}
</style>
</head>
<body>
<h1>infermesh</h1>
<div id="status">
${bodyHtml}
</div>
<script>${SCRIPT}
</script>
</body>
</html>
`;
}
