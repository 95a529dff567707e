/**
 * An in-process mesh whose gateway publishes to a sink, each built from one mesh config as
 * the services' main.ts would build them: a runner over the example models, the sink, and a
 * gateway given the sink's and the runner's addresses.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig, silentLogger } from '@infermesh/common';
import { InferenceClient } from '@infermesh/client';
import { createGateway, type Gateway } from '@infermesh/gateway';
import type { Runner } from '@infermesh/runners';
import { createSink, type Sink } from '@infermesh/sink';
import { exampleRepository } from '@infermesh/testkit';
import { startRunnerInProcess } from './in-process.js';

/** A started mesh; `close()` stops it and removes its data folder. */
export interface PublishingMesh {
  dataDir: string;
  /** The mesh config it was built from (a temporary data folder, free ports). */
  config: Record<string, unknown>;
  runner: Runner;
  sink: Sink;
  gateway: Gateway;
  client: InferenceClient;
  close(): Promise<void>;
}

/** Starts the mesh; `sinkSection` is the config's `sink:` for a data folder. */
export async function startPublishingMesh(sinkSection: (dataDir: string) => Record<string, unknown>): Promise<PublishingMesh> {
  const dataDir = await mkdtemp(join(tmpdir(), 'infermesh-publishing-mesh-'));
  const config = { dataDir, runners: [{ name: 'r', device: 'cpu' }], gateway: { port: 0, httpPort: 0 }, sink: sinkSection(dataDir) };
  const repo = await exampleRepository();
  const runner = await startRunnerInProcess(repo.dir);
  const sink = await createSink(resolveConfig(config, {}, { source: 'test' }).sink, { logger: silentLogger() });
  // The sink's and the runner's addresses arrive as a service's environment would give them.
  const resolved = resolveConfig(config, { sinkAddress: sink.address, gatewayRunners: [runner.address] }, { source: 'test' });
  const gateway = await createGateway({ ...resolved.gateway, logger: silentLogger() });
  const client = new InferenceClient(gateway.address);
  return {
    dataDir,
    config,
    runner,
    sink,
    gateway,
    client,
    async close() {
      client.close();
      await gateway.close();
      await sink.close();
      await runner.close();
      await repo.remove();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
