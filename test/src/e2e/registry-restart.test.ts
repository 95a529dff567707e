/**
 * The registry is killed (SIGKILL) under load and started again: the gateway keeps serving
 * with the routes it had, and the registry comes back with every version, rollout, history
 * entry and runner, and the gateway follows it again. Then a runner is killed: its lease runs
 * out and it leaves the routes, and no call fails meanwhile.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mlpModel, simpleModel, waitFor } from '@infermesh/testkit';
import { mlpInput } from '../registry/models.js';
import { startRegistryMesh, type RegistryMesh } from '../registry/registry-mesh.js';

let mesh: RegistryMesh;

beforeAll(async () => {
  mesh = await startRegistryMesh();
  await mesh.register('mlp', 1, mlpModel(1));
  await mesh.register('mlp', 2, mlpModel(2), { labels: { team: 'search' }, config_yaml: 'max_queue_size: 512\n' });
  await mesh.register('simple', 1, simpleModel());
  await mesh.registry.setRollout('simple', { stable_version: 1 }, ['stable_version'], { actor: 'test' });
  await mesh.registry.setRollout(
    'mlp',
    {
      stable_version: 1,
      canary_version: 2,
      canary_weight_bp: 2_500,
      sticky_header: 'x-user',
      rules: [{ header: 'x-pin', value: '', version: 1 }],
      policy: { enabled: false, max_error_rate: 0.1, max_p99_ratio: 0, min_requests: 10, window_ms: 10_000 },
    },
    [],
    { actor: 'test', reason: 'canary at 25 %' },
  );
  await mesh.waitForReady('mlp', [1, 2], 2);
  await waitFor(() => mesh.client.modelReady('mlp', '2'), 30_000, 'the gateway to route mlp v2');
}, 120_000);

afterAll(async () => {
  await mesh?.stop();
});

describe('registry restart', () => {
  it('keeps the gateway serving while the registry is down and comes back with everything', async () => {
    const before = await mesh.registry.getModel('mlp');
    const historyBefore = await mesh.registry.history('mlp');
    let running = true;
    const failures: string[] = [];
    const versions = { down: new Map<string, number>(), up: new Map<string, number>() };
    let registryDown = false;
    const loop = Promise.all(
      Array.from({ length: 8 }, async (_, worker) => {
        for (let i = 0; running; i++) {
          try {
            const metadata = worker % 2 === 0 ? { 'x-user': `u${i % 40}` } : undefined;
            const result = await mesh.client.infer('mlp', mlpInput(), { timeoutMs: 10_000, ...(metadata ? { metadata } : {}) });
            const bucket = registryDown ? versions.down : versions.up;
            bucket.set(result.modelVersion, (bucket.get(result.modelVersion) ?? 0) + 1);
          } catch (error) {
            failures.push(`${(error as { code?: number }).code} ${(error as { details?: string }).details}`);
          }
        }
      }),
    );
    try {
      await mesh.killRegistry();
      registryDown = true;
      const killedAt = performance.now();
      // Down for longer than a runner lease (2 s), on purpose: nothing may expire in the gateway
      // meanwhile; and until the gateway has answered enough calls on its own to show it, both
      // versions included, however slowly this machine answers them today.
      const answeredWhileDown = () => [...versions.down.values()].reduce((a, b) => a + b, 0);
      await sleep(3_000);
      await waitFor(
        async () => answeredWhileDown() > 100 && (versions.down.get('1') ?? 0) > 0 && (versions.down.get('2') ?? 0) > 0,
        60_000,
        'calls answered while the registry is down',
      );
      const callsWhileDown = answeredWhileDown();
      await mesh.startRegistry();
      registryDown = false;
      const restartedAt = performance.now();

      // Every version, rollout and history entry is back, and the runners are live again.
      const after = await mesh.registry.getModel('mlp');
      expect(after.rollout).toEqual(before.rollout);
      expect(after.versions.map((v) => ({ version: v.version, sha256: v.sha256, labels: v.labels, config: v.config_yaml, source: v.source }))).toEqual(
        before.versions.map((v) => ({ version: v.version, sha256: v.sha256, labels: v.labels, config: v.config_yaml, source: v.source })),
      );
      expect(await mesh.registry.history('mlp')).toEqual(historyBefore);
      expect((await mesh.registry.getModel('simple')).rollout?.stable_version).toBe(1);
      const runners = await mesh.registry.listRunners();
      expect(runners.map((r) => r.name)).toEqual(['runner-0', 'runner-1']);
      await waitFor(async () => (await mesh.registry.listRunners()).every((r) => r.live), 30_000, 'the runners to heartbeat again');

      // The gateway follows the restarted registry: a promotion reaches it.
      await mesh.registry.promote('mlp', { actor: 'test', reason: 'after the restart' });
      await waitFor(async () => (await mesh.client.infer('mlp', mlpInput())).modelVersion === '2', 30_000, 'the gateway to route by the new rollout');
      const followedMs = performance.now() - restartedAt;
      console.log(
        `registry killed for ${Math.round(restartedAt - killedAt)} ms: ${callsWhileDown} calls meanwhile (${JSON.stringify(Object.fromEntries(versions.down))}), ` +
          `${failures.length} failed; back with ${after.versions.length} mlp versions, rollout and ${historyBefore.length} history events intact; ` +
          `gateway routed by a change made after the restart within ${Math.round(followedMs)} ms`,
      );
      expect(callsWhileDown).toBeGreaterThan(100);
      // Both versions kept their share while the registry was down.
      expect(versions.down.get('1')).toBeGreaterThan(0);
      expect(versions.down.get('2')).toBeGreaterThan(0);
    } finally {
      running = false;
      await loop;
    }
    expect(failures).toEqual([]);
  }, 240_000);

  it('takes a runner killed with SIGKILL out of the routes when its lease runs out, failing no call', async () => {
    const victim = mesh.runners[1]!;
    let running = true;
    const failures: string[] = [];
    let calls = 0;
    const loop = Promise.all(
      Array.from({ length: 8 }, async () => {
        while (running) {
          try {
            await mesh.client.infer('mlp', mlpInput(), { timeoutMs: 10_000 });
            calls++;
          } catch (error) {
            failures.push(`${(error as { code?: number }).code} ${(error as { details?: string }).details}`);
          }
        }
      }),
    );
    try {
      victim.child.kill('SIGKILL');
      const killedAt = performance.now();
      await waitFor(async () => (await mesh.registry.listRunners()).find((r) => r.name === 'runner-1')?.live === false, 30_000, 'runner-1 to lose its lease');
      const leaseMs = performance.now() - killedAt;
      const model = await mesh.registry.getModel('mlp');
      expect(model.versions.find((v) => v.version === 2)?.runners).toEqual(['runner-0']);
      const before = calls;
      await waitFor(async () => calls > before + 200, 30_000, 'calls after the runner left');
      console.log(`runner-1 killed: out of the routes ${Math.round(leaseMs)} ms later (lease 2000 ms); ${calls} calls meanwhile, ${failures.length} failed`);
    } finally {
      running = false;
      await loop;
    }
    expect(failures).toEqual([]);
  }, 120_000);
});
