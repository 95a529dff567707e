/**
 * The gateway's status page in a real browser (Debian's chromium, driven by playwright-core)
 * over a whole mesh in this process: registry, a runner that joins it, a sink and a gateway.
 * The test makes every call itself (a sticky 10 % canary over 50 keys), so the page must show
 * exactly the shares and counts it made, the charts must have points, the history its own
 * rollout change, and the page must show all of it without JavaScript too. Screenshots are
 * saved under test-output/.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { InferenceClient } from '@infermesh/client';
import { resolveConfig, silentLogger } from '@infermesh/common';
import type { Gateway } from '@infermesh/gateway';
import type { Runner } from '@infermesh/runners';
import { createSink, type Sink } from '@infermesh/sink';
import { mlpModel, serviceAvailable, waitFor } from '@infermesh/testkit';
import { startGatewayInProcess } from '../harness/index.js';
import { startInProcessRegistry, startRunnerOf, type InProcessRegistry } from '../registry/in-process-registry.js';

const CHROMIUM = '/usr/bin/chromium';
const OUTPUT = fileURLToPath(new URL('../../test-output/', import.meta.url));
const available = serviceAvailable('Chromium', existsSync(CHROMIUM), 'install the Debian package: apt-get install chromium');
const REASON = 'canary for the status page test';

describe.skipIf(!available)('status page in a browser', () => {
  let registry: InProcessRegistry;
  let runner: Runner;
  let sink: Sink;
  let gateway: Gateway;
  let client: InferenceClient;
  let browser: Browser;
  let dataDir: string;
  /** Calls the test made, by the version that answered. */
  const served = new Map<string, number>([['1', 0], ['2', 0]]);
  const input = { input: { datatype: 'FP32' as const, shape: [1, 64], data: new Float32Array(64) } };

  async function call(options: { user?: string; version?: string }): Promise<void> {
    const result = await client.infer('mlp', input, { ...(options.version ? { version: options.version } : {}), ...(options.user ? { metadata: { 'x-user': options.user } } : {}) });
    served.set(result.modelVersion, served.get(result.modelVersion)! + 1);
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'infermesh-status-page-'));
    registry = await startInProcessRegistry({ runnerSyncMs: 100, artifacts: { allowedDirs: ['.'] } });
    const empty = join(registry.dataDir, 'empty');
    await mkdir(empty);
    runner = await startRunnerOf(registry, 'cpu-a', empty);
    const raw = { dataDir, runners: [{ name: 'cpu-a', device: 'cpu' }], sink: { port: 0, metricsPort: null, destinations: [{ name: 'files', type: 'jsonl', batch: { maxDelayMs: 20 } }] } };
    sink = await createSink(resolveConfig(raw, {}, { source: 'test' }).sink, { logger: silentLogger() });
    const { publisher } = resolveConfig(raw, { sinkAddress: sink.address }, { source: 'test' }).gateway;
    for (const version of [1, 2] as const) {
      const artifact = join(registry.dataDir, `mlp-${version}.onnx`);
      await writeFile(artifact, mlpModel(version));
      await registry.client.registerVersion({ model: 'mlp', version, artifact });
    }
    await registry.client.setRollout('mlp', { stable_version: 1 }, ['stable_version']);
    await registry.client.setRollout(
      'mlp',
      {
        canary_version: 2,
        canary_weight_bp: 1_000,
        sticky_header: 'x-user',
        // Judged only after 1000 calls: more than the test makes, so it is never rolled back here.
        policy: { enabled: true, max_error_rate: 0.05, max_p99_ratio: 3, min_requests: 1_000, window_ms: 60_000 },
      },
      ['canary_version', 'canary_weight_bp', 'sticky_header', 'policy'],
      { actor: 'status-page-test', reason: REASON },
    );
    gateway = await startGatewayInProcess([], { registry: registry.registry.address, httpPort: 0, publisher });
    client = new InferenceClient(gateway.address);
    await waitFor(async () => (await client.modelReady('mlp', '1')) && (await client.modelReady('mlp', '2')), 60_000, 'mlp v1 and v2 routable');
    await waitFor(async () => gateway.router.rollouts().some((r) => r.canary === '2'), 30_000, 'the canary in the gateway routes');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    client?.close();
    await gateway?.close();
    await sink?.close();
    await runner?.close();
    await registry?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  /** A page that may only reach the gateway; what else it asked for lands in `blocked`. */
  async function openPage(javaScriptEnabled: boolean, blocked: string[]): Promise<Page> {
    const context = await browser.newContext({ javaScriptEnabled, viewport: { width: 1400, height: 1000 } });
    const page = await context.newPage();
    await page.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.host !== gateway.httpAddress) blocked.push(url.href);
      return url.host === gateway.httpAddress ? route.continue() : route.abort();
    });
    await page.goto(`http://${gateway.httpAddress}/`);
    return page;
  }

  /**
   * Pixels of a PNG, in its rows above `aboveY`, within a small distance of each colour,
   * counted by chromium itself (the image drawn on a canvas): a screenshot checked for what it shows.
   */
  async function pixelsNear(png: Buffer, colours: readonly [number, number, number][], aboveY: number): Promise<number[]> {
    const page = await browser.newPage();
    try {
      // The page's own script (the test's TypeScript has no DOM types).
      const script = `(async () => {
        const image = new Image();
        image.src = ${JSON.stringify(`data:image/png;base64,${png.toString('base64')}`)};
        await image.decode();
        const canvas = document.createElement('canvas');
        canvas.width = image.width;
        canvas.height = image.height;
        const context = canvas.getContext('2d');
        context.drawImage(image, 0, 0);
        const { data } = context.getImageData(0, 0, image.width, ${aboveY});
        return ${JSON.stringify(colours)}.map(([r, g, b]) => {
          let count = 0;
          for (let i = 0; i < data.length; i += 4) if (Math.abs(data[i] - r) + Math.abs(data[i + 1] - g) + Math.abs(data[i + 2] - b) < 40) count++;
          return count;
        });
      })()`;
      return (await page.evaluate(script)) as number[];
    } finally {
      await page.close();
    }
  }

  const text = async (page: Page, selector: string) => (await page.locator(selector).first().textContent())?.trim() ?? '';
  const row = (version: string) => `#models tr[data-model="mlp"][data-version="${version}"]`;
  const chartLine = (version: string) => `#chart polyline[data-series="mlp v${version}"]`;
  /** The y of each point of the polyline at `selector`, left to right. */
  const ysOf = async (page: Page, selector: string) => (await page.locator(selector).getAttribute('points'))!.split(' ').map((point) => Number(point.split(',')[1]));
  const observed = (version: string, total: number) => `${((served.get(version)! / total) * 100).toFixed(1)} % (${served.get(version)} calls)`;

  it('shows, without JavaScript, the shares, counts, charts, history, runners, registry and sink the test made', async () => {
    // 50 customers, three calls each: a sticky key always sees the same version.
    for (let user = 0; user < 50; user++) for (let i = 0; i < 3; i++) await call({ user: `customer-${user}` });
    expect(served.get('1')! + served.get('2')!).toBe(150);
    // The keys split by their hash, not exactly by the weight: observed and configured differ.
    expect(served.get('2')).not.toBe(15);
    // The sink has acknowledged the records, so its lag is known.
    await waitFor(async () => gateway.stats.sink()!.published >= 150, 30_000, 'the sink to take the records');

    const blocked: string[] = [];
    const page = await openPage(false, blocked);
    expect(await page.content()).not.toContain('loading…');
    expect(await text(page, `${row('2')} td.configured`)).toBe('10.0 % (canary)');
    expect(await text(page, `${row('1')} td.configured`)).toBe('90.0 % (stable)');
    expect(await text(page, `${row('2')} td.observed`)).toBe(observed('2', 150));
    expect(await text(page, `${row('1')} td.observed`)).toBe(observed('1', 150));
    expect(Number(await text(page, `${row('1')} td.rate`))).toBeGreaterThan(0);
    // The charts: a line per version, a point per second, and the calls above the baseline.
    for (const version of ['1', '2']) {
      expect(await ysOf(page, chartLine(version))).toHaveLength(60);
      const spark = await ysOf(page, `${row(version)} svg.spark.rate polyline`);
      expect(spark).toHaveLength(60);
      expect(Math.min(...spark)).toBeLessThan(Math.max(...spark));
    }
    expect(await page.locator(`${row('1')} svg.spark.errors polyline`).count()).toBe(1);
    // The canary beside its limits: its calls so far against the policy's 1000.
    expect(await text(page, '#canaries tr[data-model="mlp"] td.calls')).toBe(`${served.get('2')} / 1000`);
    expect(await text(page, '#canaries tr[data-model="mlp"] td.error-rate')).toBe('0.00 % / 5.00 %');
    expect(await text(page, '#canaries tr[data-model="mlp"] td.verdict')).toBe(`not judged yet: ${1000 - served.get('2')!} calls to go`);
    // The test's own rollout change, newest first.
    const change = page.locator('#history tr[data-model="mlp"]').first();
    expect(await change.getAttribute('data-action')).toBe('SET');
    expect(await change.textContent()).toContain(REASON);
    expect(await change.locator('td.after').textContent()).toBe('stable v1, canary v2 at 10.0 %');
    // The runner: its name, device, and what it reports of its load and resources.
    const runnerRow = page.locator('#runners tbody tr').first();
    expect(await runnerRow.textContent()).toContain('cpu-a');
    expect(await runnerRow.locator('td.queue').textContent()).toBe('0');
    expect(await runnerRow.locator('td.batch').textContent()).toMatch(/^\d+\.\d\d$/);
    expect(await runnerRow.locator('td.cpu').textContent()).toMatch(/^\d+ %$/);
    expect(await runnerRow.locator('td.memory').textContent()).toMatch(/MiB|GiB/);
    expect(await text(page, '#registry tbody tr td:nth-child(2)')).toBe('up');
    expect(await text(page, '#sink tbody tr td:nth-child(2)')).toBe('up');
    expect(await text(page, '#destinations tr[data-destination="files"] td:first-child')).toBe('files (jsonl)');
    await mkdir(OUTPUT, { recursive: true });
    await page.screenshot({ path: `${OUTPUT}status-page-no-js.png`, fullPage: true });
    // What the chart shows: both versions' lines (blue v1, red v2, the page's first two colours)
    // rise above the zero line (y 178 of 200) where the calls were. Both share one scale, so
    // how far each rises depends on the calls' latencies (one slow second of v2 flattens v1's
    // line, as a CI run showed): the line that holds the largest p99 reaches the top, and each
    // line shows in the picture as far as its points say it rises.
    // The zero line is the chart's lowest grid line (y 178 of 200).
    const zeroLineY = Number(await page.locator('#chart line').first().getAttribute('y1'));
    const rise = async (version: string) => zeroLineY - Math.min(...(await ysOf(page, chartLine(version))));
    const rises = [await rise('1'), await rise('2')];
    for (const pixels of rises) expect(pixels).toBeGreaterThan(0);
    expect(Math.max(...rises)).toBeGreaterThan(150);
    const coloured = await pixelsNear(await page.locator('#chart').screenshot(), [[0x25, 0x63, 0xeb], [0xdc, 0x26, 0x26]], zeroLineY - 2);
    expect(Math.max(...coloured)).toBeGreaterThan(100);
    rises.forEach((pixels, k) => {
      if (pixels >= 10) expect(coloured[k]).toBeGreaterThan(10);
    });
    expect(blocked).toEqual([]);
    await page.context().close();
  }, 60_000);

  it('refreshes itself with JavaScript as calls come in', async () => {
    const blocked: string[] = [];
    const page = await openPage(true, blocked);
    const before = served.get('1')!;
    for (let i = 0; i < 10; i++) await call({ version: '1' });
    expect(served.get('1')).toBe(before + 10);
    const total = served.get('1')! + served.get('2')!;
    // No reload: the script swaps in the new body.
    await waitFor(async () => (await text(page, `${row('1')} td.observed`)) === observed('1', total), 20_000, 'the page to show the new calls');
    expect(await text(page, `${row('2')} td.observed`)).toBe(observed('2', total));
    await page.screenshot({ path: `${OUTPUT}status-page.png`, fullPage: true });
    expect(blocked).toEqual([]);
    await page.context().close();
  }, 60_000);
});
