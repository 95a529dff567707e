/**
 * Registry replicas on a shared store, in the test's process, and what every shared store
 * must give two of them, checked through their gRPC APIs (the Consul and etcd replica tests
 * run the same checks): a change made through one reaches the gateways watching the other,
 * and a runner heartbeating to one is live on the other.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RegistryClient } from '@infermesh/client';
import { parseRegistryConfig, silentLogger } from '@infermesh/common';
import type { RoutesUpdate__Output } from '@infermesh/proto/registry';
import { pollUntil } from '@infermesh/testkit';
import { expect } from 'vitest';
import { createRegistry, type RegistryOptions, type RunningRegistry } from '../create-registry.js';

/** A registry replica on its own data folder, and a client of its API. */
export interface Replica {
  registry: RunningRegistry;
  client: RegistryClient;
  dataDir: string;
}

/** Starts a replica with `registry.store` set to `store`, reaching the store's service as `services` says. */
export async function startReplica(store: Record<string, unknown>, services: Pick<RegistryOptions, 'consul' | 'etcd'>, historyLimit = 1_000): Promise<Replica> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'infermesh-replica-'));
  const config = parseRegistryConfig({ port: 0, store, artifacts: { allowedDirs: ['.'] }, historyLimit, leaseMs: 1_500 });
  const registry = await createRegistry({ config, dataDir, maxMessageBytes: 64 * 1024 * 1024, logger: silentLogger(), ...services });
  return { registry, client: new RegistryClient(registry.address), dataDir };
}

/** Stops a replica and deletes its data folder. */
export async function stopReplica(replica: Replica | undefined): Promise<void> {
  if (!replica) return;
  replica.client.close();
  await replica.registry.close();
  await rm(replica.dataDir, { recursive: true, force: true });
}

/** A canary change of `model` (with versions 1 and 2) made through `a` shows in the route updates `b` streams. */
export async function expectRouteChangeReachesOther(a: RegistryClient, b: RegistryClient, model: string): Promise<void> {
  const updates: RoutesUpdate__Output[] = [];
  const call = b.stub.WatchRoutes({ gateway: 'test-gateway' });
  call.on('data', (update: RoutesUpdate__Output) => updates.push(update));
  call.on('error', () => undefined);
  try {
    await pollUntil(() => updates.length > 0, { timeoutMs: 20_000, what: 'the full route table from B' });
    await a.setRollout(model, { canary_version: 2, canary_weight_bp: 7_777 }, ['canary_version', 'canary_weight_bp'], { reason: 'through A' });
    await pollUntil(() => updates.some((update) => update.models.some((route) => route.model === model && route.canary_version === 2 && route.canary_weight_bp === 7_777)), {
      timeoutMs: 20_000,
      what: "B's route update with A's change",
    });
  } finally {
    call.cancel();
  }
}

/** A runner that registers with and heartbeats to `a` is live on `b`, beyond B's own lease, and leaves it once it stops. */
export async function expectRunnerSharedWithOther(a: RegistryClient, b: RegistryClient): Promise<void> {
  const runner = { name: 'cpu-7', address: '127.0.0.1:1', device: 'cpu', memory_bytes: 0, version: 'test' };
  const liveOnB = async () => (await b.listRunners()).find((entry) => entry.name === runner.name)?.live === true;
  await a.registerRunner(runner);
  const heartbeats = setInterval(() => void a.stub.Heartbeat({ name: runner.name, address: runner.address }, () => undefined), 300);
  try {
    await pollUntil(liveOnB, { timeoutMs: 20_000, what: 'the runner registered on A to be live on B' });
    // B's own lease (if any) would have run out by now: it is A's that keeps it live.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(await liveOnB()).toBe(true);
  } finally {
    clearInterval(heartbeats);
  }
  await pollUntil(async () => !(await liveOnB()), { timeoutMs: 20_000, what: 'the runner to leave B once it stops heartbeating to A' });
}
