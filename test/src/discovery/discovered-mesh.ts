/**
 * A mesh whose services find each other only through a discovery backend (`discovery.type:
 * consul` or `etcd`): a registry, runner processes that share one `runners[]` entry and
 * register under their own INFERMESH_INSTANCE_NAME (as a Deployment's pods do), and gateway
 * processes, each given only the backend's address. Nobody is told another's address.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GATEWAY_HTTP_LISTENING, loggedAddress, spawnService, type SpawnedService } from '@infermesh/common';
import { InferenceClient, RegistryClient } from '@infermesh/client';
import { waitFor } from '@infermesh/testkit';
import { mainScript } from '../harness/index.js';
import { waitForVersionsOnRunners } from '../harness/wait-for-versions.js';

/** What mesh to start. */
export interface DiscoveredMeshOptions {
  /** Environment of every process: where the backend is (CONSUL_HTTP_ADDR...). */
  env: Record<string, string>;
  /** The config's `discovery:` section. */
  discovery: Record<string, unknown>;
  /** Other sections of the config (`etcd:`). */
  sections?: Record<string, unknown>;
  /** Keys of `registry:` over the test defaults (its `store`). */
  registry?: Record<string, unknown>;
  runners: number;
  gateways: number;
  /** Registry replicas; 1 by default. */
  registries?: number;
  verbose?: boolean;
}

/** A gateway process with its clients. */
export interface MeshGateway {
  process: SpawnedService;
  client: InferenceClient;
  /** host:port of its status page. */
  http: string;
  /** Every line it has written so far. */
  lines: string[];
}

/** A running mesh that finds itself through a discovery backend. */
export interface DiscoveredMesh {
  dataDir: string;
  /** A client of the first registry replica. */
  registry: RegistryClient;
  registryProcess: SpawnedService;
  /** Every registry replica, in start order. */
  registryProcesses: SpawnedService[];
  /** In start order; `runners[i]` registered as `cpu-i`. */
  runners: SpawnedService[];
  gateways: MeshGateway[];
  /** Writes `bytes` as an artifact file and uploads it as the model's version. */
  register(model: string, version: number, bytes: Uint8Array): Promise<void>;
  /** Waits until the model's versions are ready on `replicas` runners each. */
  waitForReady(model: string, versions: number[], replicas: number, timeoutMs?: number): Promise<void>;
  /** The runner addresses a gateway routes to now (its status page). */
  routedRunners(gateway: MeshGateway): Promise<string[]>;
  /** A gateway's `/status.json`. */
  status(gateway: MeshGateway): Promise<GatewayStatus>;
  stop(): Promise<void>;
}

/** What the tests read of a gateway's `/status.json`. */
export interface GatewayStatus {
  models: { name: string; rollout?: { stable: string; canary: string; canaryWeightBps: number } }[];
  runners: { address: string }[];
  registry?: { connected: boolean };
  discovery?: { backend: string; reachable: boolean; sinceMs: number; error?: string };
}

const TEST_REGISTRY = { port: 0, leaseMs: 2_000, runnerSyncMs: 250, unloadDelayMs: 5_000, statsReportMs: 200, loadRetryMs: 1_000 };
export async function startDiscoveredMesh(options: DiscoveredMeshOptions): Promise<DiscoveredMesh> {
  const dataDir = await mkdtemp(join(tmpdir(), 'infermesh-discovered-mesh-'));
  const emptyRepository = join(dataDir, 'runner-repository');
  const artifacts = join(dataDir, 'sources');
  await mkdir(emptyRepository);
  await mkdir(artifacts);
  const config = {
    dataDir,
    log: { level: 'info' },
    runners: [{ name: 'cpu', device: 'cpu', port: 0, modelRepository: emptyRepository, intraOpThreads: 1 }],
    gateway: { port: 0, httpPort: 0, runnerRefreshMs: 200 },
    registry: { ...TEST_REGISTRY, ...options.registry },
    discovery: options.discovery,
    ...options.sections,
  };
  const configFile = join(dataDir, 'infermesh.json');
  await writeFile(configFile, JSON.stringify(config, null, 2));
  const spawn = (name: string, script: string, env: Record<string, string>, onLine?: (line: string) => void) =>
    spawnService({
      name,
      script,
      env: { INFERMESH_CONFIG: configFile, ...options.env, ...env },
      onLine: (line) => {
        if (options.verbose || (process.env.MESH_LOG !== undefined && line.includes(process.env.MESH_LOG))) process.stdout.write(`${name}: ${line}\n`);
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
    const registryProcesses = await Promise.all(
      Array.from({ length: options.registries ?? 1 }, async (_, i) => keep(await spawn(`registry-${i}`, mainScript('@infermesh/registry'), { INFERMESH_INSTANCE_NAME: `registry-${i}` }))),
    );
    const registryProcess = registryProcesses[0]!;
    const runners = await Promise.all(
      Array.from({ length: options.runners }, async (_, i) =>
        keep(await spawn(`runner/cpu-${i}`, mainScript('@infermesh/runners'), { INFERMESH_RUNNER_NAME: 'cpu', INFERMESH_INSTANCE_NAME: `cpu-${i}` })),
      ),
    );
    const spawnGateway = async (i: number): Promise<MeshGateway> => {
      let http = '';
      const lines: string[] = [];
      const service = keep(
        await spawn(`gateway-${i}`, mainScript('@infermesh/gateway'), { INFERMESH_INSTANCE_NAME: `gateway-${i}` }, (line) => {
          lines.push(line);
          http = loggedAddress(line, GATEWAY_HTTP_LISTENING) ?? http;
        }),
      );
      // The status page starts before `listening` is logged.
      return { process: service, client: new InferenceClient(service.address), http, lines };
    };
    gateways.push(...(await Promise.all(Array.from({ length: options.gateways }, (_, i) => spawnGateway(i)))));
    registry = new RegistryClient(registryProcess.address);
    const registryClient = registry;
    await waitFor(async () => (await registryClient.listRunners()).filter((r) => r.live).length === options.runners, 60_000, 'every runner to be live (listed by the discovery backend)');

    return {
      dataDir,
      registry,
      registryProcess,
      registryProcesses,
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
        return (await gatewayStatus(gateway)).runners.map((runner) => runner.address).sort();
      },
      status: gatewayStatus,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function gatewayStatus(gateway: MeshGateway): Promise<GatewayStatus> {
  const response = await fetch(`http://${gateway.http}/status.json`);
  return (await response.json()) as GatewayStatus;
}
