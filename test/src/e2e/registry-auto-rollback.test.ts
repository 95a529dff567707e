/**
 * The automatic-rollback policy with real processes: a canary whose model fails on valid
 * input, one that is slow, and one forced in with another signature (it refuses stable's
 * requests with INVALID_ARGUMENT) are each rolled back by the registry from the gateways'
 * reports, while stable keeps serving; the history says why. How long a rollback takes
 * depends on the machine, so it is printed, not asserted. The slow canary is slower than
 * stable by a factor of stable's p99 measured in the same run (on a busy machine even stable's
 * p99 is hundreds of milliseconds): its calls wait in its batcher's queue, so it is slow
 * without taking the CPU that stable's calls need.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { status } from '@grpc/grpc-js';
import { mlpModel, simpleModel, waitFor } from '@infermesh/testkit';
import { p99LatencyMs } from '../registry/calibrate.js';
import { failingMlpModel, mlpInput } from '../registry/models.js';
import { startRegistryMesh, type RegistryMesh } from '../registry/registry-mesh.js';

let mesh: RegistryMesh;

const WINDOW_MS = 5_000;
const POLICY = { enabled: true, max_error_rate: 0.05, max_p99_ratio: 3, min_requests: 20, window_ms: WINDOW_MS };
/** Concurrent callers, while measuring stable and while the canary runs. */
const CALLERS = 8;

beforeAll(async () => {
  mesh = await startRegistryMesh();
  await mesh.register('mlp', 1, mlpModel(1));
  await mesh.register('mlp', 2, failingMlpModel());
  await mesh.registry.setRollout(
    'mlp',
    {
      stable_version: 1,
      policy: POLICY,
    },
    ['stable_version', 'policy'],
    { actor: 'test' },
  );
  await mesh.waitForReady('mlp', [1], 2);
  await waitFor(() => mesh.client.modelReady('mlp', '1'), 30_000, 'the gateway to route mlp v1');
}, 120_000);

afterAll(async () => {
  await mesh?.stop();
});

/**
 * Sets `canary` at 20 % once it is ready everywhere, runs calls until the registry rolls it
 * back, then a while longer; returns what the callers saw and how long the rollback took.
 */
async function canaryUntilRolledBack(canary: number, force = false) {
  // Load it first (weight 0), so the policy judges it on traffic, not on its loading time.
  await mesh.registry.setRollout('mlp', { canary_version: canary, canary_weight_bp: 0 }, ['canary_version', 'canary_weight_bp'], { actor: 'test', force });
  await mesh.waitForReady('mlp', [canary], 2);
  await mesh.registry.setRollout('mlp', { canary_weight_bp: 2_000 }, ['canary_weight_bp'], { actor: 'test', reason: 'canary at 20 %' });
  await waitFor(() => mesh.client.modelReady('mlp', String(canary)), 30_000, `the gateway to route v${canary}`);
  const startedAt = performance.now();
  let firstCanaryAt = 0;
  let rolledBackAt = 0;
  let after = 0;
  const answers = new Map<string, number>();
  const failures = new Map<string, number>();
  await Promise.all([
    ...Array.from({ length: CALLERS }, async () => {
      // Until 300 calls after the rollback was seen, or 180 s.
      while (after < 300 && performance.now() - startedAt < 180_000) {
        try {
          const result = await mesh.client.infer('mlp', mlpInput(), { timeoutMs: 20_000 });
          if (result.modelVersion === String(canary) && firstCanaryAt === 0) firstCanaryAt = performance.now();
          const key = rolledBackAt > 0 ? `after:${result.modelVersion}` : result.modelVersion;
          answers.set(key, (answers.get(key) ?? 0) + 1);
        } catch (error) {
          if (firstCanaryAt === 0) firstCanaryAt = performance.now();
          const key = `${rolledBackAt > 0 ? 'after:' : ''}${(error as { code?: number }).code}`;
          failures.set(key, (failures.get(key) ?? 0) + 1);
        }
        if (rolledBackAt > 0) after++;
      }
    }),
    (async () => {
      await waitFor(async () => (await mesh.registry.getModel('mlp')).rollout?.canary_version === 0, 180_000, `v${canary} to be rolled back`);
      rolledBackAt = performance.now();
    })(),
  ]);
  const history = await mesh.registry.history('mlp');
  const model = await mesh.registry.getModel('mlp');
  return { answers: Object.fromEntries(answers), failures: Object.fromEntries(failures), rollbackMs: rolledBackAt - firstCanaryAt, event: history.at(-1)!, model };
}

describe('automatic rollback', () => {
  it('rolls back a canary that fails on valid input while stable keeps serving', async () => {
    const { answers, failures, rollbackMs, event, model } = await canaryUntilRolledBack(2);
    console.log(`failing canary rolled back ${Math.round(rollbackMs)} ms after its first call (window ${WINDOW_MS} ms): ${event.reason}`);
    // Only the canary's calls failed, with the runner's INTERNAL; stable answered all the others.
    // (A call already on its way to the canary when the rollback is seen may fail after it.)
    expect(Object.keys(failures).filter((key) => !key.endsWith(String(status.INTERNAL)))).toEqual([]);
    expect(failures[`after:${status.INTERNAL}`] ?? 0).toBeLessThanOrEqual(8);
    expect(Object.keys(answers).sort()).toEqual(['1', 'after:1']);
    expect(answers['after:1']).toBeGreaterThanOrEqual(250);
    expect(event).toMatchObject({ action: 'AUTO_ROLLBACK', actor: 'registry (auto-rollback policy)', version: 2, canary_version: 0, stable_version: 1 });
    expect(event.reason).toMatch(/^canary v2 error rate 100\.0 % \(\d+ of \d+ calls in the last 5 s\) is over the policy's 5\.0 %$/);
    expect(model.versions.find((v) => v.version === 2)).toMatchObject({ status: 'VERSION_STATUS_FAILED', status_reason: event.reason });
  }, 240_000);

  it('rolls back a canary whose p99 latency is over 3× stable', async () => {
    // Stable's p99 under the same callers; each canary call then waits 6× that in its queue.
    const stableMs = await p99LatencyMs(() => mesh.client.infer('mlp', mlpInput(), { version: '1', timeoutMs: 20_000 }), CALLERS, 400);
    const delayMs = Math.min(5_000, Math.max(20, 6 * stableMs));
    // Enough canary calls to judge within the window, however slow each one is here.
    const windowMs = Math.max(WINDOW_MS, Math.ceil(10 * delayMs));
    console.log(`stable v1 p99 ${stableMs.toFixed(1)} ms under ${CALLERS} callers: canary calls wait ${Math.round(delayMs)} ms, window ${windowMs} ms`);
    await mesh.register('mlp', 3, mlpModel(2), { config_yaml: `max_batch_size: 64\ndynamic_batching:\n  max_queue_delay_us: ${Math.round(delayMs * 1_000)}\n` });
    await mesh.registry.setRollout('mlp', { policy: { ...POLICY, window_ms: windowMs } }, ['policy'], { actor: 'test' });
    const { answers, failures, rollbackMs, event } = await canaryUntilRolledBack(3);
    console.log(`slow canary rolled back ${Math.round(rollbackMs)} ms after its first call (window ${windowMs} ms): ${event.reason}`);
    expect(failures).toEqual({});
    expect(answers['3']).toBeGreaterThan(0);
    expect(answers['after:1']).toBeGreaterThanOrEqual(250);
    expect(answers['after:3'] ?? 0).toBeLessThan(20);
    expect(event).toMatchObject({ action: 'AUTO_ROLLBACK', version: 3, canary_version: 0 });
    expect(event.reason).toMatch(/^canary v3 p99 latency [\d.]+ ms is over 3× stable v1's [\d.]+ ms/);
  }, 300_000);

  it('rolls back a canary forced in with another signature, which refuses stable’s requests with INVALID_ARGUMENT', async () => {
    await mesh.register('mlp', 4, simpleModel());
    await mesh.registry.setRollout('mlp', { policy: POLICY }, ['policy'], { actor: 'test' });
    const { answers, failures, event } = await canaryUntilRolledBack(4, true);
    console.log(`incompatible canary rolled back: ${event.reason}`);
    // The callers' requests are `mlp`'s: the canary refused every one it got; stable answered the rest.
    expect(Object.keys(failures).filter((key) => !key.endsWith(String(status.INVALID_ARGUMENT)))).toEqual([]);
    expect(failures[String(status.INVALID_ARGUMENT)]).toBeGreaterThan(0);
    expect(answers['after:1']).toBeGreaterThanOrEqual(250);
    expect(event).toMatchObject({ action: 'AUTO_ROLLBACK', actor: 'registry (auto-rollback policy)', version: 4, canary_version: 0 });
    expect(event.reason).toMatch(/^canary v4 refused 100\.0 % of calls with INVALID_ARGUMENT \(\d+ of \d+ in the last \d+ s\), stable v1 0\.0 %: over stable's by more than the policy's 5\.0 %$/);
  }, 300_000);
});
