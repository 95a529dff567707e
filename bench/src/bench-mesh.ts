/**
 * The mesh a benchmark row measures: one CPU runner and one gateway, each its own process on
 * a free port, reading a temporary mesh config; started the way `infermesh up` starts them.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { InferenceClient } from '@infermesh/client';
import { mainScript, spawnService, type SpawnedService } from '@infermesh/common';

/** How long the gateway may take to say it is ready. */
const READY_TIMEOUT_MS = 60_000;

/** A running bench mesh. */
export interface BenchMesh {
  /** Gateway address, host:port. */
  gateway: string;
  gatewayProcess: SpawnedService;
  runner: SpawnedService;
  /** Stops the gateway, then the runner, and removes the temporary folder. */
  stop(): Promise<void>;
}

async function untilReady(address: string): Promise<void> {
  const client = new InferenceClient(address);
  const deadline = Date.now() + READY_TIMEOUT_MS;
  try {
    while (!(await client.serverReady().catch(() => false))) {
      if (Date.now() > deadline) throw new Error(`the gateway at ${address} is not ready after ${READY_TIMEOUT_MS / 1000} s`);
      await sleep(50);
    }
  } finally {
    client.close();
  }
}

/** Starts a runner serving `modelRepository` and a gateway in front of it; `env` goes to both. */
export async function startBenchMesh(options: { modelRepository: string; env?: Record<string, string> }): Promise<BenchMesh> {
  const dataDir = await mkdtemp(join(tmpdir(), 'infermesh-bench-'));
  const configFile = join(dataDir, 'infermesh.json');
  const config = {
    dataDir,
    log: { level: 'info' },
    runners: [{ name: 'runner-0', device: 'cpu', port: 0, modelRepository: options.modelRepository }],
    gateway: { port: 0, httpPort: 0, runnerRefreshMs: 200 },
  };
  // JSON is YAML, so the services read this file as their mesh config.
  await writeFile(configFile, JSON.stringify(config, null, 2));
  let runner: SpawnedService | undefined;
  let gateway: SpawnedService | undefined;
  const stop = async () => {
    // Gateway first, so no call reaches a runner that is going away.
    await gateway?.stop();
    await runner?.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    runner = await spawnService({
      name: 'runner-0',
      script: mainScript('@infermesh/runners'),
      env: { ...options.env, INFERMESH_CONFIG: configFile, INFERMESH_RUNNER_NAME: 'runner-0' },
    });
    gateway = await spawnService({
      name: 'gateway',
      script: mainScript('@infermesh/gateway'),
      env: { ...options.env, INFERMESH_CONFIG: configFile, INFERMESH_GATEWAY_RUNNERS: runner.address },
    });
    await untilReady(gateway.address);
    return { gateway: gateway.address, gatewayProcess: gateway, runner, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
