/**
 * A mesh whose services find each other only through Consul (`discovery.type: consul`): a
 * registry, runner processes that share one `runners[]` entry and register under their own
 * INFERMESH_INSTANCE_NAME (as a Deployment's pods do), and gateway processes, each given only
 * CONSUL_HTTP_ADDR. Nobody is told another's address.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnService, type SpawnedService } from '@infermesh/common';
import { InferenceClient, RegistryClient } from '@infermesh/client';
import { waitFor } from '@infermesh/testkit';
import { mainScript } from '../harness/index.js';
import { waitForVersionsOnRunners } from '../harness/wait-for-versions.js';

/** What mesh to start. */
export interface ConsulMeshOptions {
  /** Consul's HTTP address (a stand-in's, or a real agent's). */
  consulAddress: string;
  runners: number;
  gateways: number;
  /** Keys of `discovery:` over the test defaults (fast checks). */
  discovery?: Record<string, unknown>;
  verbose?: boolean;
}

/** A gateway process with its clients. */
export interface MeshGateway {
  process: SpawnedService;
  client: InferenceClient;
  /** host:port of its status page. */
  http: string;
}

/** A running Consul-discovered mesh. */
export interface ConsulMesh {
  dataDir: string;
  registry: RegistryClient;
  registryProcess: SpawnedService;
  /** In start order; `runners[i]` registered as `cpu-i`. */
  runners: SpawnedService[];
  gateways: MeshGateway[];
  /** Writes `bytes` as an artifact file and uploads it as the model's version. */
  register(model: string, version: number, bytes: Uint8Array): Promise<void>;
  /** Waits until the model's versions are ready on `replicas` runners each. */
  waitForReady(model: string, versions: number[], replicas: number, timeoutMs?: number): Promise<void>;
  /** The runner addresses a gateway routes to now (its status page). */
  routedRunners(gateway: MeshGateway): Promise<string[]>;
  stop(): Promise<void>;
}

/** Fast checks and queries, so that tests do not wait on production defaults. */
export const TEST_DISCOVERY = { type: 'consul', checkIntervalMs: 1_000, checkTimeoutMs: 1_000, blockingWaitMs: 10_000, backoffInitialMs: 100, backoffMaxMs: 1_000 };
const TEST_REGISTRY = { port: 0, leaseMs: 2_000, runnerSyncMs: 250, unloadDelayMs: 5_000, statsReportMs: 200, loadRetryMs: 1_000 };
const STATUS_LISTENING = 'status page, metrics and the REST API (/v2) listening';

export async function startConsulMesh(options: ConsulMeshOptions): Promise<ConsulMesh> {
  const dataDir = await mkdtemp(join(tmpdir(), 'infermesh-consul-mesh-'));
  const emptyRepository = join(dataDir, 'runner-repository');
  const artifacts = join(dataDir, 'sources');
  await mkdir(emptyRepository);
  await mkdir(artifacts);
  const config = {
    dataDir,
    log: { level: 'info' },
    runners: [{ name: 'cpu', device: 'cpu', port: 0, modelRepository: emptyRepository, intraOpThreads: 1 }],
    gateway: { port: 0, httpPort: 0, runnerRefreshMs: 200 },
    registry: TEST_REGISTRY,
    discovery: { ...TEST_DISCOVERY, ...options.discovery },
  };
  const configFile = join(dataDir, 'infermesh.json');
  await writeFile(configFile, JSON.stringify(config, null, 2));
  const spawn = (name: string, script: string, env: Record<string, string>, onLine?: (line: string) => void) =>
    spawnService({
      name,
      script,
      env: { INFERMESH_CONFIG: configFile, CONSUL_HTTP_ADDR: options.consulAddress, ...env },
      onLine: (line) => {
        if (options.verbose || (process.env.CONSUL_MESH_LOG !== undefined && line.includes(process.env.CONSUL_MESH_LOG))) process.stdout.write(`${name}: ${line}\n`);
        onLine?.(line);
      },
    });

  const started: SpawnedService[] = [];
  let registry: RegistryClient | undefined;
  const gateways: MeshGateway[] = [];
  const stop = async () => {
    registry?.close();
    for (const gateway of gateways) gateway.client.close();
    await Promise.all(started.map((service) => service.stop()));
    await rm(dataDir, { recursive: true, force: true });
  };
  const keep = (service: SpawnedService) => {
    started.push(service);
    return service;
  };

  try {
    const registryProcess = keep(await spawn('registry', mainScript('@infermesh/registry'), {}));
    const runners = await Promise.all(
      Array.from({ length: options.runners }, async (_, i) =>
        keep(await spawn(`runner/cpu-${i}`, mainScript('@infermesh/runners'), { INFERMESH_RUNNER_NAME: 'cpu', INFERMESH_INSTANCE_NAME: `cpu-${i}` })),
      ),
    );
    const spawnGateway = async (i: number): Promise<MeshGateway> => {
      let http = '';
      const service = keep(
        await spawn(`gateway-${i}`, mainScript('@infermesh/gateway'), {}, (line) => {
          if (!line.includes(STATUS_LISTENING)) return;
          http = (JSON.parse(line) as { address: string }).address;
        }),
      );
      // The status page starts before `listening` is logged.
      return { process: service, client: new InferenceClient(service.address), http };
    };
    gateways.push(...(await Promise.all(Array.from({ length: options.gateways }, (_, i) => spawnGateway(i)))));
    registry = new RegistryClient(registryProcess.address);
    const registryClient = registry;
    await waitFor(async () => (await registryClient.listRunners()).filter((r) => r.live).length === options.runners, 60_000, 'every runner to be live (passing in Consul)');

    return {
      dataDir,
      registry,
      registryProcess,
      runners,
      gateways,
      async register(model, version, bytes) {
        const file = join(artifacts, `${model}-${version}.onnx`);
        await writeFile(file, bytes);
        await registryClient.pushVersion({ model, version, actor: 'test' }, file);
      },
      async waitForReady(model, versions, replicas, timeoutMs = 90_000) {
        await waitForVersionsOnRunners(registryClient, model, versions, replicas, timeoutMs);
      },
      async routedRunners(gateway) {
        const response = await fetch(`http://${gateway.http}/status.json`);
        const status = (await response.json()) as { models: { name: string }[]; runners: { address: string }[] };
        return status.runners.map((runner) => runner.address).sort();
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
