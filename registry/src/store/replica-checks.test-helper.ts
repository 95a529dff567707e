/**
 * What every shared store must give two registry replicas, checked through their gRPC APIs
 * (the Consul and etcd replica tests run the same checks): a change made through one reaches
 * the gateways watching the other, and a runner heartbeating to one is live on the other.
 */
import type { RegistryClient } from '@infermesh/client';
import type { RoutesUpdate__Output } from '@infermesh/proto/registry';
import { pollUntil } from '@infermesh/testkit';
import { expect } from 'vitest';

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
