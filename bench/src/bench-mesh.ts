/**
 * The mesh a benchmark row measures, started the way `infermesh up` starts it (see
 * cli/src/up.ts): the registry with the row's models registered and their stable rollouts,
 * one CPU runner that the registry places them on, the sink (default publisher, jsonl
 * destination) and a gateway that follows the registry's routes and publishes to the sink.
 * Each is its own process on a free port, reading the default mesh config with a temporary
 * data folder (bench-mesh-config.ts).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RegistryClient } from '@infermesh/client';
import { GATEWAY_HTTP_LISTENING, GATEWAY_NODE_FLAGS, loggedAddress, mainScript, spawnService, type SpawnedService } from '@infermesh/common';
import { MODEL_INFER_PATH } from '@infermesh/proto';
import { BENCH_RUNNER, benchMeshConfig } from './bench-mesh-config.js';
import type { Involved } from './measure.js';
import { registerModels } from './register-models.js';
import { RawCaller } from './targets.js';

/** How long the gateway may take to route every model (the registry places them at its own pace). */
const ROUTED_TIMEOUT_MS = 180_000;

/** A model the mesh serves, and a ModelInfer request that must succeed through the gateway before any row measures. */
export interface MeshModel {
  name: string;
  probe: Buffer;
}

/** What to start. */
export interface BenchMeshOptions {
  /** Folder laid out <model>/<version>/model.onnx (config.yaml beside the versions) that the models are registered from. */
  repository: string;
  models: readonly MeshModel[];
  /** Added to every service's environment. */
  env?: Record<string, string>;
}

/** A running bench mesh. */
export interface BenchMesh {
  /** Gateway address, host:port. */
  gateway: string;
  /** host:port of the gateway's status page and /metrics. */
  gatewayHttp: string;
  gatewayProcess: SpawnedService;
  runner: SpawnedService;
  sink: SpawnedService;
  registry: SpawnedService;
  /** The mesh's processes a call through the gateway involves: the gateway, the runner, the sink it records to, the registry it reports to. */
  gatewayPath: Involved[];
  /** Stops the gateway, the sink, the runner and the registry, in that order, and removes the data folder. */
  stop(): Promise<void>;
}

const involved = (process: string, child: SpawnedService): Involved => ({ process, pid: child.child.pid! });

/** Sends each probe through the gateway until it succeeds: the gateway is ready and routes the model. */
async function untilRouted(address: string, models: readonly MeshModel[]): Promise<void> {
  const deadline = Date.now() + ROUTED_TIMEOUT_MS;
  for (const model of models) {
    const caller = new RawCaller(address, MODEL_INFER_PATH, model.probe);
    try {
      for (;;) {
        const error = await caller.call().then(() => undefined, (failed: unknown) => failed);
        if (error === undefined) break;
        if (Date.now() > deadline) {
          throw new Error(`the gateway at ${address} does not serve ${model.name} after ${ROUTED_TIMEOUT_MS / 1000} s: ${(error as Error).message}`);
        }
        await sleep(100);
      }
    } finally {
      caller.close();
    }
  }
}

/**
 * Calls every model through the gateway for a while before any row measures: a fresh mesh
 * (four processes, each compiling its hot paths, the sink opening its spool) is slower for
 * its first few thousand calls, and every row should meet the mesh in the same state.
 */
const MESH_WARMUP_MS = 3_000;
const MESH_WARMUP_CONCURRENCY = 16;

async function warmUp(address: string, models: readonly MeshModel[]): Promise<void> {
  for (const model of models) {
    const caller = new RawCaller(address, MODEL_INFER_PATH, model.probe);
    const until = performance.now() + MESH_WARMUP_MS / models.length;
    try {
      await Promise.all(
        Array.from({ length: MESH_WARMUP_CONCURRENCY }, async () => {
          while (performance.now() < until) await caller.call();
        }),
      );
    } finally {
      caller.close();
    }
  }
}

/** Starts the mesh and returns once the gateway answers a real ModelInfer for every model, warmed up. */
export async function startBenchMesh(options: BenchMeshOptions): Promise<BenchMesh> {
  const dataDir = await mkdtemp(join(tmpdir(), 'infermesh-bench-'));
  const configFile = join(dataDir, 'infermesh.json');
  // JSON is YAML, so the services read this file as their mesh config.
  await writeFile(configFile, JSON.stringify(benchMeshConfig(dataDir), null, 2));
  await mkdir(join(dataDir, 'runner-repository'));
  const env = { ...options.env, INFERMESH_CONFIG: configFile };
  const started: SpawnedService[] = [];
  let gatewayHttp = '';
  // The gateway says where its status page and metrics listen.
  const onGatewayLine = (line: string) => {
    gatewayHttp = loggedAddress(line, GATEWAY_HTTP_LISTENING) ?? gatewayHttp;
  };
  const start = async (name: string, packageName: string, extra: Record<string, string> = {}) => {
    // Each service as `infermesh up` starts it, node flags included.
    const gateway = packageName === '@infermesh/gateway';
    const nodeFlags = gateway ? GATEWAY_NODE_FLAGS : [];
    const service = await spawnService({ name, script: mainScript(packageName), nodeFlags, env: { ...env, ...extra }, ...(gateway ? { onLine: onGatewayLine } : {}) });
    started.push(service);
    return service;
  };
  const stop = async () => {
    // Gateway first, so no call reaches a runner that is going away; the registry last, so the runner can leave it.
    for (const service of [...started].reverse()) await service.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    const registry = await start('registry', '@infermesh/registry');
    const client = new RegistryClient(registry.address);
    try {
      await registerModels(
        client,
        options.repository,
        options.models.map((model) => model.name),
      );
    } finally {
      client.close();
    }
    const withRegistry = { INFERMESH_REGISTRY_ADDRESS: registry.address };
    const runner = await start(`runner/${BENCH_RUNNER}`, '@infermesh/runners', { ...withRegistry, INFERMESH_RUNNER_NAME: BENCH_RUNNER });
    // The sink before the gateway, so the gateway's first records have somewhere to go.
    const sink = await start('sink', '@infermesh/sink');
    const gateway = await start('gateway', '@infermesh/gateway', { ...withRegistry, INFERMESH_SINK_ADDRESS: sink.address });
    await untilRouted(gateway.address, options.models);
    await warmUp(gateway.address, options.models);
    return {
      gateway: gateway.address,
      gatewayHttp,
      gatewayProcess: gateway,
      runner,
      sink,
      registry,
      gatewayPath: [involved('gateway', gateway), involved('runner', runner), involved('sink', sink), involved('registry', registry)],
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
