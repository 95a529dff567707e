/**
 * The status page while the sink is away: rendered on the server all the same, it shows the
 * models and runners, the publish stream down, the records the gateway holds, and why the
 * sink's Status is missing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '@infermesh/common';
import { pollUntil } from '@infermesh/testkit';
import { startInProcessMesh, type InProcessMesh } from '../harness/index.js';

describe('status page with the sink down', () => {
  let mesh: InProcessMesh | undefined;

  beforeAll(async () => {
    // Nothing listens on port 1.
    const { publisher } = resolveConfig({ dataDir: '/tmp', runners: [{ name: 'r', device: 'cpu' }] }, { sinkAddress: '127.0.0.1:1' }, { source: 'test' }).gateway;
    mesh = await startInProcessMesh({ readyModel: 'mlp', gateway: { httpPort: 0, publisher } });
  }, 120_000);

  afterAll(async () => {
    await mesh?.close();
  });

  it('shows the rest, the stream down, the records held and why the sink said nothing', async () => {
    await mesh!.client.infer('mlp', { input: { datatype: 'FP32', shape: [1, 64], data: new Float32Array(64) } });
    const page = async () => (await fetch(`http://${mesh!.gateway.httpAddress!}/`)).text();
    await pollUntil(async () => (await page()).includes('<tr data-model="mlp" data-version="1">'), { timeoutMs: 20_000, what: 'mlp on the page' });
    const html = await page();
    const sink = html.slice(html.indexOf('<table id="sink">'));
    expect(sink).toMatch(/^<table id="sink">.*?<td class="">127\.0\.0\.1:1<\/td><td class="bad">down<\/td><td class="age">never<\/td><td class="num">1<\/td>/);
    expect(sink).toMatch(/<td colspan="2" class="bad">no Status: \S.*?<\/td>/);
    expect(html).toContain('<td class="">cpu-0</td>');
    const json = (await (await fetch(`http://${mesh!.gateway.httpAddress!}/status.json`)).json()) as { sink: { connected: boolean; buffered: number; spoolError?: string } };
    expect(json.sink).toMatchObject({ connected: false, buffered: 1 });
    expect(json.sink.spoolError).toMatch(/\S/);
  }, 60_000);
});
