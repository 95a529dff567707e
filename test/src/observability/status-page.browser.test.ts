/**
 * The gateway's status page in a real browser (Debian's chromium, driven by playwright-core)
 * while traffic runs: it must show the models, their versions and non-zero rates, and the
 * latency chart. A screenshot is saved under test-output/.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import type { InferenceClient } from '@infermesh/client';
import { serviceAvailable, waitFor } from '@infermesh/testkit';
import { startInProcessMesh, type InProcessMesh } from '../harness/index.js';

const CHROMIUM = '/usr/bin/chromium';
const OUTPUT = fileURLToPath(new URL('../../test-output/', import.meta.url));
const available = serviceAvailable('Chromium', existsSync(CHROMIUM), 'install the Debian package: apt-get install chromium');

describe.skipIf(!available)('status page in a browser', () => {
  let mesh: InProcessMesh | undefined;
  let statusAddress: string;
  let client: InferenceClient;
  let browser: Browser;
  let traffic = true;
  let loop: Promise<void>;

  beforeAll(async () => {
    mesh = await startInProcessMesh({ readyModel: 'mlp', gateway: { httpPort: 0 } });
    statusAddress = mesh.gateway.httpAddress!;
    client = mesh.client;
    const mlp = { input: { datatype: 'FP32' as const, shape: [1, 64], data: new Float32Array(64) } };
    loop = (async () => {
      while (traffic) {
        await Promise.all([client.infer('mlp', mlp, { version: '1' }), client.infer('mlp', mlp), client.infer('nope', {}).catch(() => undefined)]);
      }
    })();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 120_000);

  afterAll(async () => {
    traffic = false;
    await loop;
    await browser?.close();
    await mesh?.close();
  });

  it('shows models, versions, rates and the latency chart, and keeps updating', async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const blocked: string[] = [];
    await page.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.host !== statusAddress) blocked.push(url.href);
      return url.host === statusAddress ? route.continue() : route.abort();
    });
    await page.goto(`http://${statusAddress}/`);
    const rate = (version: string) => page.locator(`#models tr[data-model="mlp"][data-version="${version}"] td.rate`);
    await waitFor(async () => Number(await rate('1').textContent()) > 0 && Number(await rate('2').textContent()) > 0, 20_000, 'rates on the page');
    for (const model of ['simple', 'mlp', 'heavy', 'strings']) {
      await expect(page.locator(`#models tr[data-model="${model}"]`).first()).toBeDefined();
      expect(await page.locator(`#models tr[data-model="${model}"]`).count()).toBeGreaterThan(0);
    }
    expect(await page.locator('#runners tbody tr').first().textContent()).toContain('cpu');
    expect(await page.locator('#chart polyline').count()).toBeGreaterThanOrEqual(2);
    expect(await page.locator('#legend').textContent()).toContain('mlp v1');
    expect(blocked).toEqual([]);
    await mkdir(OUTPUT, { recursive: true });
    await page.screenshot({ path: `${OUTPUT}status-page.png`, fullPage: true });
  }, 60_000);
});
