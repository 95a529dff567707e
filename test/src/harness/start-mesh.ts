/**
 * Starts a real local mesh for tests and benchmarks: runner and gateway processes on free
 * ports, configured by a temporary mesh config file, stopped by `stop()`.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnService, type SpawnedService } from '@infermesh/common';
import { InferenceClient } from '@infermesh/client';

/** What mesh to start. */
export interface MeshOptions {
  /** Model repository every runner serves. */
  modelRepository: string;
  /** Devices, one runner each; default one `cpu` runner. */
  devices?: string[];
  /** Extra mesh config (merged at the top level), e.g. limits. */
  config?: Record<string, unknown>;
  /** Print the services' log lines (for debugging a test). */
  verbose?: boolean;
}

/** A running mesh. */
export interface TestMesh {
  /** Gateway address, host:port. */
  gateway: string;
  gatewayProcess: SpawnedService;
  runners: SpawnedService[];
  /** The mesh config file the processes read. */
  configFile: string;
  stop(): Promise<void>;
}

/** The compiled main script of a workspace package. */
export function mainScript(packageName: string): string {
  return join(dirname(fileURLToPath(import.meta.resolve(packageName))), 'main.js');
}

/** Polls until `check` is true or `timeoutMs` passes. */
export async function waitFor(check: () => Promise<boolean>, timeoutMs = 30_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function startMesh(options: MeshOptions): Promise<TestMesh> {
  const dataDir = await mkdtemp(join(tmpdir(), 'infermesh-mesh-'));
  const devices = options.devices ?? ['cpu'];
  const config = {
    dataDir,
    log: { level: 'info' },
    runners: devices.map((device, i) => ({ name: `runner-${i}`, device, port: 0, modelRepository: options.modelRepository })),
    gateway: { port: 0, runnerRefreshMs: 200 },
    ...options.config,
  };
  const configFile = join(dataDir, 'infermesh.json');
  // JSON is YAML, so the services read this file as their mesh config.
  await writeFile(configFile, JSON.stringify(config, null, 2));
  const onLine = options.verbose ? (line: string) => process.stdout.write(`${line}\n`) : undefined;
  const started: SpawnedService[] = [];
  const stop = async () => {
    await Promise.all(started.reverse().map((service) => service.stop()));
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    const runners = await Promise.all(
      config.runners.map(async ({ name }) => {
        const runner = await spawnService({
          name,
          script: mainScript('@infermesh/runners'),
          env: { INFERMESH_CONFIG: configFile, INFERMESH_RUNNER_NAME: name },
          ...(onLine ? { onLine } : {}),
        });
        started.push(runner);
        return runner;
      }),
    );
    const gatewayProcess = await spawnService({
      name: 'gateway',
      script: mainScript('@infermesh/gateway'),
      env: { INFERMESH_CONFIG: configFile, INFERMESH_GATEWAY_RUNNERS: runners.map((r) => r.address).join(',') },
      ...(onLine ? { onLine } : {}),
    });
    started.push(gatewayProcess);
    const client = new InferenceClient(gatewayProcess.address);
    try {
      await waitFor(() => client.serverReady(), 60_000, 'the gateway to be ready');
    } finally {
      client.close();
    }
    return { gateway: gatewayProcess.address, gatewayProcess, runners, configFile, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
