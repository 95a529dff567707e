/**
 * Routing by the registry through real processes (registry, two runners, gateway): canary
 * weights, pinned headers, sticky keys, a version that gets no traffic before it is ready,
 * and promote and rollback under a running loop of mixed calls without a failed call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InferOptions } from '@infermesh/client';
import type { Rollout } from '@infermesh/proto/registry';
import { mlpModel, simpleModel, waitFor } from '@infermesh/testkit';
import { mlpInput, slowMlpModel } from '../registry/models.js';
import { startRegistryMesh, type RegistryMesh } from '../registry/registry-mesh.js';

let mesh: RegistryMesh;

const simpleInput = () => ({
  INPUT0: { datatype: 'INT32' as const, shape: [1, 16], data: new Int32Array(16).fill(2) },
  INPUT1: { datatype: 'INT32' as const, shape: [1, 16], data: new Int32Array(16).fill(1) },
});

/** The rollout fields every test starts from: stable v1, rules, sticky header, no auto-rollback. */
const BASE: Rollout = {
  stable_version: 1,
  canary_version: 0,
  canary_weight_bp: 0,
  sticky_header: 'x-user',
  rules: [
    { header: 'x-pin', value: 'v1', version: 1 },
    { header: 'x-canary', value: '1', canary: true },
  ],
  policy: { enabled: false, max_error_rate: 0.05, max_p99_ratio: 0, min_requests: 100, window_ms: 60_000 },
};

/** Runs `total` mlp calls at `concurrency`; returns how many each version answered and the failures. */
async function callMlp(total: number, concurrency: number, options: (i: number) => InferOptions = () => ({})) {
  const versions = new Map<string, number>();
  const failures: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        try {
          const result = await mesh.client.infer('mlp', mlpInput(), { timeoutMs: 20_000, ...options(i) });
          versions.set(result.modelVersion, (versions.get(result.modelVersion) ?? 0) + 1);
        } catch (error) {
          failures.push(`${(error as { code?: number }).code} ${(error as { details?: string }).details}`);
        }
      }
    }),
  );
  return { versions, failures };
}

/** Waits until the gateway routes `version` of mlp (the registry's route reached it). */
const routed = (version: string) => waitFor(() => mesh.client.modelReady('mlp', version), 30_000, `the gateway to route mlp v${version}`);

beforeAll(async () => {
  mesh = await startRegistryMesh();
  await mesh.register('mlp', 1, mlpModel(1));
  await mesh.register('mlp', 2, mlpModel(2));
  await mesh.register('simple', 1, simpleModel());
  await mesh.registry.setRollout('mlp', BASE, [], { actor: 'test' });
  await mesh.registry.setRollout('simple', { stable_version: 1 }, ['stable_version'], { actor: 'test' });
  await mesh.registry.setRollout('mlp', { canary_version: 2, canary_weight_bp: 1_000 }, ['canary_version', 'canary_weight_bp']);
  await mesh.waitForReady('mlp', [1, 2], 2);
  await routed('2');
  await waitFor(() => mesh.client.modelReady('simple'), 30_000, 'simple to be routed');
}, 120_000);

afterAll(async () => {
  await mesh?.stop();
});

describe('routing by the registry', () => {
  it('sends 10 % ± 2 % of 10,000 calls to a canary at 10 %', async () => {
    const started = performance.now();
    const { versions, failures } = await callMlp(10_000, 64);
    const seconds = (performance.now() - started) / 1000;
    expect(failures).toEqual([]);
    const share = (versions.get('2') ?? 0) / 10_000;
    console.log(`canary at 10 %: ${versions.get('2')} of 10,000 calls (${(share * 100).toFixed(2)} %) went to v2, in ${seconds.toFixed(1)} s`);
    expect(share).toBeGreaterThanOrEqual(0.08);
    expect(share).toBeLessThanOrEqual(0.12);
    expect((versions.get('1') ?? 0) + (versions.get('2') ?? 0)).toBe(10_000);
  }, 120_000);

  it('sends every call with a pinning header to its version, and with the canary header to the canary', async () => {
    const pinned = await callMlp(300, 16, () => ({ metadata: { 'x-pin': 'v1' } }));
    expect(pinned.failures).toEqual([]);
    expect(Object.fromEntries(pinned.versions)).toEqual({ '1': 300 });
    const forced = await callMlp(300, 16, () => ({ metadata: { 'x-canary': '1' } }));
    expect(Object.fromEntries(forced.versions)).toEqual({ '2': 300 });
    // An explicit version beats every rule.
    const explicit = await callMlp(100, 16, () => ({ version: '1', metadata: { 'x-canary': '1' } }));
    expect(Object.fromEntries(explicit.versions)).toEqual({ '1': 100 });
  }, 60_000);

  it('sends every call with the same sticky key to the same version', async () => {
    const seen = new Map<string, Set<string>>();
    for (let round = 0; round < 3; round++) {
      await Promise.all(
        Array.from({ length: 200 }, async (_, key) => {
          const result = await mesh.client.infer('mlp', mlpInput(), { metadata: { 'x-user': `user-${key}` } });
          const versions = seen.get(`user-${key}`) ?? new Set<string>();
          versions.add(result.modelVersion);
          seen.set(`user-${key}`, versions);
        }),
      );
    }
    expect([...seen.values()].every((versions) => versions.size === 1)).toBe(true);
    const canaryKeys = [...seen.values()].filter((versions) => versions.has('2')).length;
    // About 10 % of keys see the canary; every key sees one version only.
    expect(canaryKeys).toBeGreaterThan(0);
    expect(canaryKeys).toBeLessThan(60);
  }, 60_000);

  it('gives a new version no traffic before it is ready on a runner', async () => {
    // Slow to load: 150 warm-up runs of a heavy model, on one runner only.
    const loading = await mesh.register('mlp', 3, slowMlpModel(40), { replicas: 1, config_yaml: 'warmup:\n  count: 150\n' });
    expect(loading.status).toBe('VERSION_STATUS_REGISTERED');
    const setAt = performance.now();
    await mesh.registry.setRollout('mlp', { canary_version: 3, canary_weight_bp: 10_000 }, ['canary_version', 'canary_weight_bp']);
    const timeline: { at: number; version: string }[] = [];
    const failures: string[] = [];
    let sawLoading = false;
    // When the last registry answer that had v3 on no runner was asked for: the gateway only
    // ever lags the registry, so no call may have been answered by v3 before that moment.
    let notReadyAsOf = 0;
    let readyAt = 0;
    const watch = (async () => {
      await waitFor(async () => {
        const askedAt = performance.now();
        const version = (await mesh.registry.getModel('mlp')).versions.find((v) => v.version === 3)!;
        if (version.status === 'VERSION_STATUS_LOADING') sawLoading = true;
        if (version.runners.length === 0) notReadyAsOf = askedAt;
        else readyAt ||= performance.now();
        return readyAt > 0;
      }, 60_000, 'mlp v3 to be ready');
    })();
    const deadline = performance.now() + 60_000;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        // Until v3 has answered for a while, or the deadline.
        while (performance.now() < deadline && timeline.filter((t) => t.version === '3').length < 50) {
          try {
            const result = await mesh.client.infer('mlp', mlpInput(), { timeoutMs: 20_000 });
            timeline.push({ at: performance.now(), version: result.modelVersion });
          } catch (error) {
            failures.push(`${(error as { code?: number }).code} ${(error as { details?: string }).details}`);
          }
        }
      }),
    );
    await watch;
    expect(failures).toEqual([]);
    expect(sawLoading).toBe(true);
    const beforeReady = timeline.filter((t) => t.at < notReadyAsOf);
    const firstV3 = timeline.find((t) => t.version === '3')!;
    console.log(
      `mlp v3 loaded in about ${Math.round(readyAt - setAt)} ms; ${beforeReady.length} calls answered while it was not ready, all by stable; ` +
        `first v3 answer ${Math.round(firstV3.at - setAt)} ms after the canary was set; 0 failed`,
    );
    expect(beforeReady.length).toBeGreaterThan(0);
    expect(new Set(beforeReady.map((t) => t.version))).toEqual(new Set(['1']));
    await mesh.registry.rollback('mlp', { actor: 'test', reason: 'done with v3' });
  }, 120_000);

  it('promotes and rolls back under a running loop of mixed calls without a failed call', async () => {
    await mesh.register('mlp', 4, mlpModel(1));
    let running = true;
    const failures: string[] = [];
    const answered = new Map<string, number>();
    const kinds: ((i: number) => Promise<string>)[] = [
      async () => (await mesh.client.infer('mlp', mlpInput())).modelVersion,
      async (i) => (await mesh.client.infer('mlp', mlpInput(), { metadata: { 'x-user': `u${i % 50}` } })).modelVersion,
      async () => (await mesh.client.infer('mlp', mlpInput(), { metadata: { 'x-pin': 'v1' } })).modelVersion,
      async () => (await mesh.client.infer('mlp', mlpInput(), { version: '1' })).modelVersion,
      async () => (await mesh.client.infer('mlp', mlpInput(), { metadata: { 'x-canary': '1' } })).modelVersion,
      async () => `simple:${(await mesh.client.infer('simple', simpleInput())).modelVersion}`,
    ];
    let calls = 0;
    const loop = Promise.all(
      Array.from({ length: 12 }, async () => {
        while (running) {
          const i = calls++;
          try {
            const version = await kinds[i % kinds.length]!(i);
            answered.set(version, (answered.get(version) ?? 0) + 1);
          } catch (error) {
            failures.push(`${(error as { code?: number }).code} ${(error as { details?: string }).details}`);
          }
        }
      }),
    );
    const step = async (what: string, action: () => Promise<unknown>) => {
      await action();
      // Let calls flow under the new rollout for a moment before the next change.
      const before = calls;
      await waitFor(async () => calls > before + 200, 30_000, `calls after ${what}`);
    };
    try {
      await step('canary v2 at 30 %', () => mesh.registry.setRollout('mlp', { canary_version: 2, canary_weight_bp: 3_000 }, ['canary_version', 'canary_weight_bp']));
      await mesh.waitForReady('mlp', [2], 2);
      await step('promote v2', () => mesh.registry.promote('mlp', { actor: 'test' }));
      await step('canary v4 at 20 %', () => mesh.registry.setRollout('mlp', { canary_version: 4, canary_weight_bp: 2_000 }, ['canary_version', 'canary_weight_bp']));
      await mesh.waitForReady('mlp', [4], 2);
      await step('v4 serving', async () => {});
      await step('rollback v4', () => mesh.registry.rollback('mlp', { actor: 'test', reason: 'not better' }));
      await step('canary v1 at 50 %', () => mesh.registry.setRollout('mlp', { canary_version: 1, canary_weight_bp: 5_000 }, ['canary_version', 'canary_weight_bp']));
      await step('promote v1', () => mesh.registry.promote('mlp', { actor: 'test' }));
    } finally {
      running = false;
      await loop;
    }
    console.log(`promote/rollback under load: ${calls} mixed calls, ${failures.length} failed; answered by ${JSON.stringify(Object.fromEntries(answered))}`);
    expect(failures).toEqual([]);
    expect(answered.get('2')).toBeGreaterThan(0);
    expect(answered.get('4')).toBeGreaterThan(0);
    const history = await mesh.registry.history('mlp');
    expect(history.slice(-6).map((event) => event.action)).toEqual(['SET', 'PROMOTE', 'SET', 'ROLLBACK', 'SET', 'PROMOTE']);
    expect(history.find((event) => event.action === 'ROLLBACK' && event.version === 4)).toMatchObject({ actor: 'test', reason: 'not better' });
  }, 180_000);
});
