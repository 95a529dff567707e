/**
 * A real registry-managed mesh for tests: a registry process, runner processes with empty
 * repositories that register with it, and a gateway process that follows its routes, all on
 * free ports in a temporary data folder. The registry can be killed and started again on
 * its port, as an operator would.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GATEWAY_HTTP_LISTENING, loggedAddress, spawnService, type SpawnedService } from '@infermesh/common';
import { InferenceClient, RegistryClient } from '@infermesh/client';
import type { ModelVersion__Output, RegisterVersionRequest } from '@infermesh/proto/registry';
import { waitFor } from '@infermesh/testkit';
import { mainScript } from '../harness/index.js';
import { waitForVersionsOnRunners } from '../harness/wait-for-versions.js';

/** What mesh to start. */
export interface RegistryMeshOptions {
  /** Devices, one runner each; default two CPU runners. */
  devices?: string[];
  /** Keys of the `registry:` section over the test defaults (fast leases, syncs and reports). */
  registry?: Record<string, unknown>;
  /** Keys of the `gateway:` section over the test defaults (e.g. `shadow`). */
  gateway?: Record<string, unknown>;
  /** A `sink:` section: a sink process starts with it (on a free port) and the gateway publishes to it. */
  sink?: Record<string, unknown>;
  /** Print every service's log lines. */
  verbose?: boolean;
}

/** A running registry-managed mesh. */
export interface RegistryMesh {
  dataDir: string;
  configFile: string;
  /** The registry's host:port; the same across restarts. */
  registryAddress: string;
  gateway: string;
  registry: RegistryClient;
  /** A client of the gateway. */
  client: InferenceClient;
  /** The runner processes, in config order: `runners[i]` is `runner-i`. */
  runners: SpawnedService[];
  gatewayProcess: SpawnedService;
  /** host:port of the gateway's status page and /metrics. */
  gatewayHttp: string;
  /** The registry process now running (undefined while killed). */
  registryProcess(): SpawnedService | undefined;
  /** Writes `bytes` as an artifact file and uploads it as the model's version. */
  register(model: string, version: number, bytes: Uint8Array, extra?: Partial<Omit<RegisterVersionRequest, 'artifact' | 'size_bytes'>>): Promise<ModelVersion__Output>;
  /** Waits until the model's versions are ready on `replicas` runners each. */
  waitForReady(model: string, versions: number[], replicas?: number, timeoutMs?: number): Promise<void>;
  /** SIGKILL of the registry process. */
  killRegistry(): Promise<void>;
  /** Starts the registry again on its port, with the same data folder. */
  startRegistry(): Promise<void>;
  stop(): Promise<void>;
}

/** Fast timings so that tests do not wait on production defaults. */
// unloadDelayMs: a version no rollout uses stays loaded this long, so that every gateway has
// heard of the rollout that dropped it before the runners let it go, even on a loaded CI machine.
const TEST_REGISTRY = { port: 0, leaseMs: 2_000, runnerSyncMs: 250, unloadDelayMs: 5_000, statsReportMs: 200, loadRetryMs: 1_000 };


export async function startRegistryMesh(options: RegistryMeshOptions = {}): Promise<RegistryMesh> {
  const dataDir = await mkdtemp(join(tmpdir(), 'infermesh-registry-mesh-'));
  const emptyRepository = join(dataDir, 'runner-repository');
  const artifacts = join(dataDir, 'sources');
  await mkdir(emptyRepository);
  await mkdir(artifacts);
  const devices = options.devices ?? ['cpu', 'cpu'];
  const config = {
    dataDir,
    log: { level: 'info' },
    runners: devices.map((device, i) => ({ name: `runner-${i}`, device, port: 0, modelRepository: emptyRepository, intraOpThreads: 1 })),
    gateway: { port: 0, httpPort: 0, runnerRefreshMs: 200, ...options.gateway },
    registry: { ...TEST_REGISTRY, ...options.registry },
    ...(options.sink ? { sink: { ...options.sink, port: 0, metricsPort: 0 } } : {}),
  };
  const configFile = join(dataDir, 'infermesh.json');
  await writeFile(configFile, JSON.stringify(config, null, 2));
  const onLine = options.verbose ? (line: string) => process.stdout.write(`${line}\n`) : undefined;
  let gatewayHttp = '';
  const spawn = (name: string, script: string, env: Record<string, string>) =>
    spawnService({
      name,
      script,
      env: { INFERMESH_CONFIG: configFile, ...env },
      onLine: (line: string) => {
        onLine?.(line);
        // The gateway says where its status page and metrics listen.
        if (name === 'gateway') gatewayHttp = loggedAddress(line, GATEWAY_HTTP_LISTENING) ?? gatewayHttp;
      },
    });

  let registryProcess: SpawnedService | undefined;
  let registryPort = 0;
  const startRegistry = async () => {
    registryProcess = await spawn('registry', mainScript('@infermesh/registry'), { INFERMESH_REGISTRY_PORT: String(registryPort) });
    registryPort = Number(registryProcess.address.split(':').pop());
  };
  const runners: SpawnedService[] = [];
  let gatewayProcess: SpawnedService | undefined;
  let sinkProcess: SpawnedService | undefined;
  let registry: RegistryClient | undefined;
  let client: InferenceClient | undefined;
  const stop = async () => {
    client?.close();
    registry?.close();
    await gatewayProcess?.stop();
    await sinkProcess?.stop();
    await Promise.all(runners.map((runner) => runner.stop()));
    await registryProcess?.stop();
    await rm(dataDir, { recursive: true, force: true });
  };

  try {
    await startRegistry();
    const registryAddress = registryProcess!.address;
    const withRegistry = { INFERMESH_REGISTRY_ADDRESS: registryAddress };
    // In config order (runner-0 first), whichever starts first; each joins `runners` once up, for stop().
    const spawned = await Promise.all(
      config.runners.map(async ({ name }) => {
        const runner = await spawn(name, mainScript('@infermesh/runners'), { ...withRegistry, INFERMESH_RUNNER_NAME: name });
        runners.push(runner);
        return runner;
      }),
    );
    runners.splice(0, runners.length, ...spawned);
    if (options.sink) sinkProcess = await spawn('sink', mainScript('@infermesh/sink'), {});
    gatewayProcess = await spawn('gateway', mainScript('@infermesh/gateway'), { ...withRegistry, ...(sinkProcess ? { INFERMESH_SINK_ADDRESS: sinkProcess.address } : {}) });
    registry = new RegistryClient(registryAddress);
    client = new InferenceClient(gatewayProcess.address);
    const registryClient = registry;
    await waitFor(async () => (await registryClient.listRunners()).filter((r) => r.live).length === devices.length, 30_000, 'the runners to register');

    const mesh: RegistryMesh = {
      dataDir,
      configFile,
      registryAddress,
      gateway: gatewayProcess.address,
      registry,
      client,
      runners,
      gatewayProcess,
      gatewayHttp,
      registryProcess: () => registryProcess,
      async register(model, version, bytes, extra = {}) {
        const file = join(artifacts, `${model}-${version}.onnx`);
        await writeFile(file, bytes);
        return (await registryClient.pushVersion({ model, version, actor: 'test', ...extra }, file)).version!;
      },
      async waitForReady(model, versions, replicas = 1, timeoutMs = 60_000) {
        await waitForVersionsOnRunners(registryClient, model, versions, replicas, timeoutMs);
      },
      async killRegistry() {
        const victim = registryProcess!;
        registryProcess = undefined;
        victim.child.kill('SIGKILL');
        await victim.exited;
      },
      startRegistry,
      stop,
    };
    return mesh;
  } catch (error) {
    await stop();
    throw error;
  }
}
