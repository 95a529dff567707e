/**
 * Starts a real local mesh for tests and benchmarks: runner and gateway processes on free
 * ports, configured by a temporary mesh config file, stopped by `stop()`. The runners are
 * started directly, or by a supervisor in the test's process that restarts them.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, GATEWAY_NODE_FLAGS, mainScript, resolveConfig, silentLogger, spawnService, type SpawnedService } from '@infermesh/common';
import { InferenceClient } from '@infermesh/client';
import { createSupervisor, type Supervisor } from '@infermesh/runners';
import { waitFor } from '@infermesh/testkit';

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
  /**
   * Start the runners through a supervisor (in this process; the runners are still child
   * processes) that restarts any that dies. Default: spawn each runner directly.
   */
  supervised?: boolean;
  /** How often the supervisor asks each runner what it holds; default 1000 ms. */
  supervisorPollMs?: number;
  /** Extra environment for the runner and gateway processes (e.g. OTEL_* settings). */
  env?: Record<string, string>;
}

/** A running mesh. */
export interface TestMesh {
  /** Gateway address, host:port. */
  gateway: string;
  gatewayProcess: SpawnedService;
  /** The runner processes as first started; empty when `supervised` (see `supervisor`). */
  runners: SpawnedService[];
  /** The supervisor when `supervised`: its `runners()` are the live processes. */
  supervisor: Supervisor | undefined;
  /** The mesh config file the processes read. */
  configFile: string;
  stop(): Promise<void>;
}

export async function startMesh(options: MeshOptions): Promise<TestMesh> {
  const dataDir = await mkdtemp(join(tmpdir(), 'infermesh-mesh-'));
  const devices = options.devices ?? ['cpu'];
  const config = {
    dataDir,
    log: { level: 'info' },
    runners: devices.map((device, i) => ({ name: `runner-${i}`, device, port: 0, modelRepository: options.modelRepository })),
    gateway: { port: 0, httpPort: 0, runnerRefreshMs: 200 },
    ...options.config,
  };
  const configFile = join(dataDir, 'infermesh.json');
  // JSON is YAML, so the services read this file as their mesh config.
  await writeFile(configFile, JSON.stringify(config, null, 2));
  const onLine = options.verbose ? (line: string) => process.stdout.write(`${line}\n`) : undefined;
  /** Runner processes started directly, in start order, for `stop()`. */
  const started: SpawnedService[] = [];
  let supervisor: Supervisor | undefined;
  let gateway: SpawnedService | undefined;
  const stop = async () => {
    // Gateway first, so no call reaches a runner that is going away.
    await gateway?.stop();
    await Promise.all([...started.map((runner) => runner.stop()), supervisor?.close()]);
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    let runners: SpawnedService[] = [];
    if (options.supervised) {
      supervisor = await createSupervisor({
        configFile,
        mesh: resolveConfig(config, {}, { source: configFile }).mesh,
        logger: options.verbose ? createLogger('supervisor') : silentLogger(),
        ...(onLine ? { onLine } : {}),
        ...(options.supervisorPollMs ? { pollMs: options.supervisorPollMs } : {}),
      });
    } else {
      runners = await Promise.all(
        config.runners.map(async ({ name }) => {
          const runner = await spawnService({
            name,
            script: mainScript('@infermesh/runners'),
            env: { ...options.env, INFERMESH_CONFIG: configFile, INFERMESH_RUNNER_NAME: name },
            ...(onLine ? { onLine } : {}),
          });
          started.push(runner);
          return runner;
        }),
      );
    }
    const addresses = supervisor ? supervisor.runners().map((runner) => runner.address) : runners.map((runner) => runner.address);
    const gatewayProcess = await spawnService({
      name: 'gateway',
      script: mainScript('@infermesh/gateway'),
      nodeFlags: GATEWAY_NODE_FLAGS,
      env: { ...options.env, INFERMESH_CONFIG: configFile, INFERMESH_GATEWAY_RUNNERS: addresses.join(',') },
      ...(onLine ? { onLine } : {}),
    });
    gateway = gatewayProcess;
    const client = new InferenceClient(gatewayProcess.address);
    try {
      await waitFor(() => client.serverReady(), 60_000, 'the gateway to be ready');
    } finally {
      client.close();
    }
    return { gateway: gatewayProcess.address, gatewayProcess, runners, supervisor, configFile, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
