/**
 * A gateway given the resolved config's publisher settings (what gateway/src/main.ts passes)
 * builds its own sink publisher: a predict call through it lands in the sink's destination,
 * with the device of the runner that served it.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig, silentLogger } from '@infermesh/common';
import { InferenceClient } from '@infermesh/client';
import { createGateway, type Gateway } from '@infermesh/gateway';
import type { Runner } from '@infermesh/runners';
import { createSink, type Sink } from '@infermesh/sink';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleRepository, pollUntil } from '@infermesh/testkit';
import { startRunnerInProcess } from '../harness/index.js';

let dataDir: string;
let repo: Awaited<ReturnType<typeof exampleRepository>> | undefined;
let runner: Runner | undefined;
let sink: Sink | undefined;
let gateway: Gateway | undefined;
let client: InferenceClient | undefined;

const raw = () => ({
  dataDir,
  runners: [{ name: 'r', device: 'cpu' }],
  gateway: { port: 0, httpPort: 0 },
  sink: { port: 0, metricsPort: null, destinations: [{ name: 'files', type: 'jsonl', batch: { maxDelayMs: 20 } }] },
});

describe("the gateway's own sink publisher", () => {
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'infermesh-gateway-publisher-'));
    repo = await exampleRepository();
    runner = await startRunnerInProcess(repo.dir);
    sink = await createSink(resolveConfig(raw(), {}, { source: 'test' }).sink, { logger: silentLogger() });
    // The sink's and the runner's addresses arrive as a service's environment would give them.
    const config = resolveConfig(raw(), { sinkAddress: sink.address, gatewayRunners: [runner.address] }, { source: 'test' });
    gateway = await createGateway({ ...config.gateway, logger: silentLogger() });
    client = new InferenceClient(gateway.address);
  }, 120_000);

  afterAll(async () => {
    client?.close();
    await gateway?.close();
    await sink?.close();
    await runner?.close();
    await repo?.remove();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('publishes each prediction to the sink named by the resolved config', async () => {
    const input = { datatype: 'INT32' as const, shape: [1, 16], data: new Int32Array(16) };
    await client!.infer('simple', { INPUT0: input, INPUT1: input });
    const folder = join(dataDir, 'predictions');
    const records = async () => {
      const files = await readdir(folder).catch(() => []);
      const lines = (await Promise.all(files.map((file) => readFile(join(folder, file), 'utf8')))).join('').split('\n').filter(Boolean);
      return lines.map((line) => JSON.parse(line) as { modelName: string; device: string });
    };
    await pollUntil(async () => (await records()).length > 0, { timeoutMs: 30_000, what: 'a record in the jsonl destination' });
    expect(await records()).toEqual([expect.objectContaining({ modelName: 'simple', device: 'cpu' })]);
  }, 60_000);
});
