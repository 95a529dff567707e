/**
 * Discovery simulation (a benchmark, not a test): `node bench/dist/consul-discovery.js
 * [--runners 200] [--gateways 20]`. Starts a Consul stand-in and a registry process with
 * `discovery.type: consul`, then in this process simulated runners (RunnerControl from
 * memory, a health service and a Consul entry each) and gateway route followers (a
 * WatchRoutes stream each, the registry found at `consul:///infermesh-registry`). It changes
 * a rollout, promotes it, fails one runner's health check and brings it back, and reports how
 * long until every follower had the new routes. Writes bench/results/consul-discovery.json.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path, { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RegistryClient } from '@infermesh/client';
import { createLogger, mainScript, spawnService, type SpawnedService } from '@infermesh/common';
import { consulDiscoveryOf, consulDiscoverySchema, useConsulResolver } from '@infermesh/common/discovery';
import { mlpModel } from '@infermesh/common/onnx';
import { RouteFollower } from './discovery/RouteFollower.js';
import { SimulatedRunner } from './discovery/SimulatedRunner.js';

const RESULTS = fileURLToPath(new URL('../results/consul-discovery.json', import.meta.url));
const REGISTRY_TARGET = 'consul:///infermesh-registry';
/** The agent checks each of hundreds of runners: a production-like pace, not the tests' fast one. */
const DISCOVERY = { type: 'consul', checkIntervalMs: 2_000, checkTimeoutMs: 1_000, blockingWaitMs: 30_000, backoffInitialMs: 100, backoffMaxMs: 2_000 } as const;

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(name);
  const value = index < 0 ? fallback : Number(process.argv[index + 1]);
  if (!Number.isInteger(value) || value < 1 || value > 2_000) throw new Error(`${name}: expected a whole number 1..2000`);
  return value;
}

/** Resolves with the ms `check` took to hold, checked every 2 ms; rejects after `timeoutMs`. */
async function until(what: string, check: () => boolean, timeoutMs = 120_000): Promise<number> {
  const started = performance.now();
  while (!check()) {
    if (performance.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return performance.now() - started;
}

async function main(): Promise<void> {
  const runnerCount = option('--runners', 200);
  const followerCount = option('--gateways', 20);
  const logger = createLogger('discovery-bench', 'warn');
  const dataDir = await mkdtemp(join(tmpdir(), 'infermesh-discovery-bench-'));
  const services: SpawnedService[] = [];
  const runners: SimulatedRunner[] = [];
  const followers: RouteFollower[] = [];
  let admin: RegistryClient | undefined;
  const discoveryConfig = consulDiscoverySchema.parse(DISCOVERY);
  let link: Awaited<ReturnType<typeof consulDiscoveryOf>>;
  try {
    const consul = await spawnService({ name: 'consul stand-in', script: mainScript('@infermesh/testkit', 'consul-stand-in-main.js') });
    services.push(consul);
    const consulAddress = consul.address;
    const configFile = join(dataDir, 'infermesh.json');
    const config = {
      dataDir,
      // info: spawnService waits for the `listening` line.
      log: { level: 'info' },
      runners: [{ name: 'unused', device: 'cpu' }],
      registry: { port: 0, runnerSyncMs: 1_000, unloadDelayMs: 60_000, statsReportMs: 1_000 },
      discovery: DISCOVERY,
      consul: { address: consulAddress },
    };
    await writeFile(configFile, JSON.stringify(config));
    const registry = await spawnService({ name: 'registry', script: mainScript('@infermesh/registry'), env: { INFERMESH_CONFIG: configFile, CONSUL_HTTP_ADDR: consulAddress } });
    services.push(registry);
    link = (await consulDiscoveryOf({ config: discoveryConfig, consul: { address: consulAddress } }))!;
    useConsulResolver(link, logger);

    const startedAt = performance.now();
    for (let i = 0; i < runnerCount; i += 20) {
      const batch = Array.from({ length: Math.min(20, runnerCount - i) }, (_, j) => SimulatedRunner.start(`sim-${i + j}`, REGISTRY_TARGET, link!, logger));
      runners.push(...(await Promise.all(batch)));
    }
    for (let i = 0; i < followerCount; i++) {
      const follower = new RouteFollower(REGISTRY_TARGET, `follower-${i}`, () => {});
      follower.start();
      followers.push(follower);
    }
    admin = new RegistryClient(registry.address);
    const artifacts = join(dataDir, 'sources');
    await mkdir(artifacts);
    for (const version of [1, 2] as const) {
      const file = join(artifacts, `mlp-${version}.onnx`);
      await writeFile(file, mlpModel(version));
      await admin.pushVersion({ model: 'mlp', version, actor: 'bench' }, file);
    }
    await admin.setRollout('mlp', { stable_version: 1 }, ['stable_version'], { actor: 'bench' });
    const everyFollower = (check: (follower: RouteFollower) => boolean) => () => followers.every(check);
    const initialMs = await until(`v1 on ${runnerCount} runners at every follower`, everyFollower((f) => f.runners('mlp', 1).length === runnerCount), 300_000);
    const joinedMs = performance.now() - startedAt;

    let changedAt = performance.now();
    await admin.setRollout('mlp', { canary_version: 2, canary_weight_bp: 1_000 }, ['canary_version', 'canary_weight_bp'], { actor: 'bench' });
    const canarySeenMs = await until('the canary at every follower', everyFollower((f) => f.routes.get('mlp')?.canary_version === 2));
    const canaryRoutedMs = (await until(`v2 on ${runnerCount} runners at every follower`, everyFollower((f) => f.runners('mlp', 2).length === runnerCount))) + canarySeenMs;
    const canaryTotalMs = performance.now() - changedAt;

    changedAt = performance.now();
    await admin.promote('mlp', { actor: 'bench' });
    const promoteMs = await until('the promotion at every follower', everyFollower((f) => f.routes.get('mlp')?.stable_version === 2));
    const promoteTotalMs = performance.now() - changedAt;

    const victim = runners[Math.floor(runners.length / 2)]!;
    changedAt = performance.now();
    victim.setServing(false);
    const leaveMs = await until('the failing runner out of every follower', everyFollower((f) => !f.runners('mlp', 2).includes(victim.address)));
    victim.setServing(true);
    const backMs = await until('the runner back at every follower', everyFollower((f) => f.runners('mlp', 2).includes(victim.address)));

    const results = {
      runners: runnerCount,
      followers: followerCount,
      checkIntervalMs: DISCOVERY.checkIntervalMs,
      joinedMs: Math.round(joinedMs),
      initialRoutesMs: Math.round(initialMs),
      canaryRolloutSeenMs: Math.round(canarySeenMs),
      canaryRoutedEverywhereMs: Math.round(canaryRoutedMs),
      canaryFromSetRolloutMs: Math.round(canaryTotalMs),
      promoteSeenMs: Math.round(promoteMs),
      promoteFromCallMs: Math.round(promoteTotalMs),
      failedCheckLeftRoutesMs: Math.round(leaveMs),
      passingAgainBackInRoutesMs: Math.round(backMs),
    };
    console.log(`Consul discovery: ${runnerCount} simulated runners, ${followerCount} gateway route followers, checks every ${DISCOVERY.checkIntervalMs} ms`);
    console.log(`  every runner registered and in every follower's routes   ${results.joinedMs} ms after the first started`);
    console.log(`  canary set (SetRollout answered) → seen by every follower ${results.canaryRolloutSeenMs} ms`);
    console.log(`  canary loaded on all runners and routed at every follower ${results.canaryRoutedEverywhereMs} ms (from the call: ${results.canaryFromSetRolloutMs} ms)`);
    console.log(`  promote (answered) → seen by every follower               ${results.promoteSeenMs} ms (from the call: ${results.promoteFromCallMs} ms)`);
    console.log(`  one runner's health check fails → out of every follower    ${results.failedCheckLeftRoutesMs} ms`);
    console.log(`  it passes again → back in every follower                   ${results.passingAgainBackInRoutesMs} ms`);
    await mkdir(path.dirname(RESULTS), { recursive: true });
    await writeFile(RESULTS, `${JSON.stringify({ startedAt: new Date().toISOString(), ...results }, null, 2)}\n`);
  } finally {
    admin?.close();
    for (const follower of followers) follower.close();
    await Promise.all(runners.map((runner) => runner.close().catch(() => undefined)));
    link?.close();
    for (const service of services.reverse()) await service.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
