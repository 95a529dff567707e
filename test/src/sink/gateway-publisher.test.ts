/**
 * A gateway given the resolved config's publisher settings (what gateway/src/main.ts passes)
 * builds its own sink publisher: a predict call through it lands in the sink's destination,
 * with the device of the runner that served it, and the tensors the sink decoded from the
 * messages the gateway passed on undecoded.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { InferenceClient } from '@infermesh/client';
import type { Gateway } from '@infermesh/gateway';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from '@infermesh/testkit';
import { startPublishingMesh, type PublishingMesh } from '../harness/index.js';

let mesh: PublishingMesh | undefined;
let dataDir: string;
let gateway: Gateway | undefined;
let client: InferenceClient | undefined;

describe("the gateway's own sink publisher", () => {
  beforeAll(async () => {
    mesh = await startPublishingMesh(() => ({
      port: 0,
      metricsPort: null,
      destinations: [{ name: 'files', type: 'jsonl', batch: { maxDelayMs: 20 } }],
      publisher: { captureInputs: ['simple'], headers: ['x-tenant'] },
    }));
    ({ dataDir, gateway, client } = mesh);
  }, 120_000);

  afterAll(() => mesh?.close());

  it('publishes each prediction to the sink named by the resolved config, tensors and all', async () => {
    const ramp = Int32Array.from({ length: 16 }, (_, k) => k);
    const ones = new Int32Array(16).fill(1);
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    // Typed inputs: the sink converts the captured request's contents to raw, as the gateway used to.
    await client!.infer(
      'simple',
      { INPUT0: { datatype: 'INT32', shape: [1, 16], data: ramp }, INPUT1: { datatype: 'INT32', shape: [1, 16], data: ones } },
      { typedContents: true, metadata: { 'x-tenant': 't1', 'x-other': 'no', traceparent: `00-${traceId}-00f067aa0ba902b7-01` } },
    );
    const folder = join(dataDir, 'predictions');
    const records = async () => {
      const files = await readdir(folder).catch(() => []);
      const lines = (await Promise.all(files.map((file) => readFile(join(folder, file), 'utf8')))).join('').split('\n').filter(Boolean);
      return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    };
    await pollUntil(async () => (await records()).length > 0, { timeoutMs: 30_000, what: 'a record in the jsonl destination' });
    const [record, ...rest] = await records();
    expect(rest).toEqual([]);
    const tensor = (name: string, data: number[]) => ({ name, datatype: 'INT32', shape: [1, 16], data });
    expect(record).toMatchObject({ modelName: 'simple', device: 'cpu', status: 'OK', headers: { 'x-tenant': 't1' }, traceId });
    expect(record).not.toHaveProperty('tensorsOmitted');
    expect(record!.inputs).toEqual([tensor('INPUT0', [...ramp]), tensor('INPUT1', [...ones])]);
    expect(record!.outputs).toEqual(
      expect.arrayContaining([tensor('OUTPUT0', [...ramp].map((v) => v + 1)), tensor('OUTPUT1', [...ramp].map((v) => v - 1))]),
    );
  }, 60_000);

  it('exports its publisher counters on /metrics and the status page', async () => {
    const base = `http://${gateway!.httpAddress!}`;
    const status = async () => (await (await fetch(`${base}/status.json`)).json()) as { sink?: { published: number } };
    await pollUntil(async () => ((await status()).sink?.published ?? 0) >= 1, { timeoutMs: 30_000, what: 'a published record on the status page' });
    expect((await status()).sink).toMatchObject({ connected: true, buffered: 0, bufferedBytes: 0, mustNotLose: false, drops: { buffer_full: 0, oversized: 0, refused: 0, shutdown: 0 } });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    for (const reason of ['buffer_full', 'oversized', 'refused', 'shutdown']) {
      expect(metrics).toMatch(new RegExp(`^infermesh_gateway_sink_records_dropped_total\\{[^}]*reason="${reason}"[^}]*\\} 0$`, 'm'));
    }
    expect(metrics).toMatch(/^infermesh_gateway_sink_records_published_total(\{[^}]*\})? [1-9]\d*$/m);
    expect(metrics).toMatch(/^infermesh_gateway_sink_buffered_records(\{[^}]*\})? 0$/m);
    expect(metrics).toMatch(/^infermesh_gateway_sink_buffered_bytes(\{[^}]*\})? 0$/m);
    const page = await (await fetch(`${base}/`)).text();
    // Rendered on the server: the sink's section, with the sink's own destination and its lag.
    expect(page).toContain('<h2>Sink</h2>');
    expect(page).toContain('<tr data-destination="files"><td class="">files (jsonl)</td>');
  }, 60_000);
});
