/**
 * Shadow traffic and evidence-based promotion with real processes (registry, one runner,
 * sink, gateway): `simple` shadowed by the same model as another version agrees exactly;
 * `mlp` v1 shadowed by v2 under load fails no caller call, agrees measurably less than
 * 100 %, drops and counts the copies its small queue cannot take, and its shadow records in
 * the sink pair with the primary's by request id; promotion is refused with the unmet
 * condition while agreement is under the policy's threshold, allowed once it is met, and
 * automatic when the policy says so. Every decision is on the history with its numbers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { status } from '@grpc/grpc-js';
import { metricSum, mlpModel, scrape, simpleModel, slowInput, slowModel, waitFor } from '@infermesh/testkit';
import { jsonlDocuments } from '../sink/destination-readers.js';
import { startRegistryMesh, type RegistryMesh } from '../registry/registry-mesh.js';

let mesh: RegistryMesh;
/** A small queue and one shadow call at a time, so that load overflows it. */
const SHADOW = { maxQueued: 8, concurrency: 1, timeoutMs: 5_000 };

const simpleInput = (i: number) => ({
  INPUT0: { datatype: 'INT32' as const, shape: [1, 16], data: Int32Array.from({ length: 16 }, (_, k) => k * i) },
  INPUT1: { datatype: 'INT32' as const, shape: [1, 16], data: new Int32Array(16).fill(i) },
});
/** Varied values, so the two mlp versions' argmax agree on some calls and not others. */
const mlpRows = (i: number) => ({
  input: { datatype: 'FP32' as const, shape: [1, 64], data: Float32Array.from({ length: 64 }, (_, k) => Math.sin(i * 7.3 + k * 1.7) * 2) },
});

const metrics = () => scrape(mesh.gatewayHttp);
/** Copies sent plus copies dropped for `model` so far. */
const copiesSettled = async (model: string) => {
  const text = await metrics();
  return metricSum(text, 'infermesh_gateway_shadow_requests_total', { model }) + metricSum(text, 'infermesh_gateway_shadow_dropped_total', { model });
};

async function setShadow(model: string, stable: number, shadow: number, promotion?: Record<string, unknown>) {
  await mesh.registry.setRollout(
    model,
    { stable_version: stable, shadow_version: shadow, shadow_share_bp: 10_000, ...(promotion ? { promotion } : {}) },
    ['stable_version', 'shadow_version', 'shadow_share_bp', ...(promotion ? (['promotion'] as const) : [])],
    { actor: 'test' },
  );
  await mesh.waitForReady(model, [stable, shadow], 1);
  await waitFor(() => mesh.client.modelReady(model, String(shadow)), 30_000, `the gateway to route ${model} v${shadow}`);
}

beforeAll(async () => {
  mesh = await startRegistryMesh({ devices: ['cpu'], gateway: { shadow: SHADOW }, sink: { destinations: [{ name: 'files', type: 'jsonl' }] } });
  // v2 and v3 of `simple` are the same model as v1: a shadow of itself.
  for (const version of [1, 2, 3]) await mesh.register('simple', version, simpleModel());
  await mesh.register('mlp', 1, mlpModel(1));
  await mesh.register('mlp', 2, mlpModel(2));
  await mesh.register('slow', 1, slowModel());
  await mesh.register('slow', 2, slowModel());
}, 120_000);

afterAll(async () => {
  await mesh?.stop();
});

describe('shadow traffic', () => {
  it('finds `simple` in exact agreement with itself as another version, and promotion allowed by that evidence', async () => {
    await setShadow('simple', 1, 2, { enabled: true, min_calls: 30, min_agreement: 0.99, max_error_rate: 0.01, max_p99_ratio: 0, window_ms: 600_000, auto_promote: false });
    for (let i = 0; i < 40; i++) {
      const result = await mesh.client.infer('simple', simpleInput(i), { id: `simple-${i}` });
      expect(result.modelVersion).toBe('1');
    }
    await waitFor(async () => (await copiesSettled('simple')) >= 40, 30_000, 'the 40 copies of simple calls to settle');
    const text = await metrics();
    expect(metricSum(text, 'infermesh_gateway_shadow_dropped_total', { model: 'simple' })).toBe(0);
    expect(metricSum(text, 'infermesh_gateway_shadow_compared_total', { model: 'simple', version: '2' })).toBe(40);
    expect(metricSum(text, 'infermesh_gateway_shadow_agreement_ratio', { model: 'simple', version: '2' })).toBe(1);
    expect(metricSum(text, 'infermesh_gateway_shadow_exact_ratio', { model: 'simple', version: '2' })).toBe(1);
    // The registry has the gateway's shadow report: the evidence holds, and promote goes through.
    await waitFor(async () => {
      try {
        await mesh.registry.promote('simple', { actor: 'test', reason: 'shadow agrees' });
        return true;
      } catch (error) {
        if ((error as { code?: number }).code !== status.FAILED_PRECONDITION) throw error;
        return false;
      }
    }, 30_000, 'the registry to allow promoting simple v2');
    const model = await mesh.registry.getModel('simple');
    expect(model.rollout).toMatchObject({ stable_version: 2, shadow_version: 0, shadow_share_bp: 0 });
    const promoted = (await mesh.registry.history('simple')).at(-1)!;
    expect(promoted).toMatchObject({ action: 'PROMOTE', version: 2, stable_version: 2 });
    expect(promoted.evidence).toMatch(/^v2 in the last 600 s: \d+ calls \(\d+ shadow, 0 canary\); 0 errors \(0\.0 %\); agreement 100\.0 % of \d+ compared \(exact 100\.0 %/);
  }, 120_000);

  it('promotes `simple` v3 by itself once its shadow evidence meets the policy', async () => {
    await setShadow('simple', 2, 3, { enabled: true, min_calls: 20, min_agreement: 0.99, max_error_rate: 0.01, max_p99_ratio: 0, window_ms: 600_000, auto_promote: true });
    let i = 0;
    await waitFor(async () => {
      await mesh.client.infer('simple', simpleInput(i++));
      return (await mesh.registry.getModel('simple')).rollout?.stable_version === 3;
    }, 60_000, 'simple v3 to be promoted automatically');
    const event = (await mesh.registry.history('simple')).at(-1)!;
    expect(event).toMatchObject({ action: 'AUTO_PROMOTE', actor: 'registry (promotion policy)', version: 3, stable_version: 3 });
    expect(event.evidence).toMatch(/agreement 100\.0 % of \d+ compared/);
  }, 120_000);

  it('shadows `mlp` v1 calls with v2: under load no caller call fails and the copies v1\'s runner has no room for are shed and counted; at an easy pace every copy is compared, agreement under 100 %; records pair by request id', async () => {
    await setShadow('mlp', 1, 2);
    const CALLERS = 8;
    const PER_CALLER = 60;
    const failures: unknown[] = [];
    await Promise.all(
      Array.from({ length: CALLERS }, async (_, c) => {
        for (let k = 0; k < PER_CALLER; k++) {
          const i = c * PER_CALLER + k;
          try {
            const result = await mesh.client.infer('mlp', mlpRows(i), { id: `mlp-${i}`, timeoutMs: 20_000 });
            if (result.modelVersion !== '1' || result.id !== `mlp-${i}`) failures.push(`mlp-${i} answered by v${result.modelVersion} as ${result.id}`);
          } catch (error) {
            failures.push(error);
          }
        }
      }),
    );
    expect(failures).toEqual([]);
    const loaded = CALLERS * PER_CALLER;
    // Every answered call's copy was either sent to v2 or dropped and counted: none waits forever, none is lost unseen.
    await waitFor(async () => (await copiesSettled('mlp')) >= loaded, 60_000, 'every copy of the mlp calls to be sent or dropped');
    const sentUnderLoad = metricSum(await metrics(), 'infermesh_gateway_shadow_requests_total', { model: 'mlp', version: '2' });
    // At an easy pace (one call at a time, each copy settled before the next call) v1 always has
    // room on the runner: every copy is sent and compared. A shed's 20 ms hold is over first.
    const STEADY = 60;
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (let i = loaded; i < loaded + STEADY; i++) {
      const result = await mesh.client.infer('mlp', mlpRows(i), { id: `mlp-${i}`, timeoutMs: 20_000 });
      expect(result.modelVersion).toBe('1');
      await waitFor(async () => (await copiesSettled('mlp')) >= i + 1, 30_000, `the copy of mlp-${i} to settle`);
    }
    const calls = loaded + STEADY;
    const text = await metrics();
    const sent = metricSum(text, 'infermesh_gateway_shadow_requests_total', { model: 'mlp', version: '2' });
    const full = metricSum(text, 'infermesh_gateway_shadow_dropped_total', { model: 'mlp', reason: 'queue_full' });
    const busy = metricSum(text, 'infermesh_gateway_shadow_dropped_total', { model: 'mlp', reason: 'busy' });
    const dropped = full + busy;
    console.log(
      `mlp v1 shadowed by v2: ${loaded} calls from ${CALLERS} callers, ${sentUnderLoad} copies sent, ${full} dropped for a full queue (of ${SHADOW.maxQueued}, ${SHADOW.concurrency} at a time), ` +
        `${busy} for a busy runner; then ${STEADY} calls one at a time, ${sent - sentUnderLoad} copies sent`,
    );
    expect(sent + dropped).toBe(calls);
    expect(dropped).toBeGreaterThan(0);
    expect(sent - sentUnderLoad).toBe(STEADY);
    expect(metricSum(text, 'infermesh_gateway_shadow_requests_total', { model: 'mlp', version: '2', code: 'OK' })).toBe(sent);
    const agreement = metricSum(text, 'infermesh_gateway_shadow_agreement_ratio', { model: 'mlp', version: '2' });
    console.log(`mlp v1 vs v2 agreement ${(agreement * 100).toFixed(1)} %, max abs diff ${metricSum(text, 'infermesh_gateway_shadow_max_abs_diff', { model: 'mlp', version: '2' })}`);
    expect(agreement).toBeLessThan(1);
    expect(metricSum(text, 'infermesh_gateway_shadow_exact_ratio', { model: 'mlp', version: '2' })).toBe(0);
    expect(metricSum(text, 'infermesh_gateway_shadow_max_abs_diff', { model: 'mlp', version: '2' })).toBeGreaterThan(0);

    // The status page shows the shadow beside its drops and agreement.
    const snapshot = (await (await fetch(`http://${mesh.gatewayHttp}/status.json`)).json()) as { shadows?: { model: string; version: string; calls: number; dropped: number }[] };
    expect(snapshot.shadows?.find((s) => s.model === 'mlp')).toMatchObject({ version: '2', calls: sent, dropped });

    // In the sink: each shadow record has a primary record with its request id and time.
    const filesDir = `${mesh.dataDir}/predictions`;
    type Doc = { requestId: string; time: string; modelName: string; modelVersion: string; status: string; shadow?: { primaryVersion: string; exact: boolean; agrees: boolean; maxAbsDiff: number } };
    let documents: Doc[] = [];
    await waitFor(async () => {
      documents = ((await jsonlDocuments(filesDir, 'files')) as Doc[]).filter((d) => d.modelName === 'mlp');
      return documents.filter((d) => d.shadow).length >= sent && documents.filter((d) => !d.shadow).length >= calls;
    }, 60_000, 'the sink to write every mlp record').catch((error: unknown) => {
      console.log(`sink wrote ${documents.filter((d) => d.shadow).length} shadow and ${documents.filter((d) => !d.shadow).length} primary mlp records`);
      throw error;
    });
    const primaries = new Map(documents.filter((d) => !d.shadow).map((d) => [d.requestId, d]));
    const shadows = documents.filter((d) => d.shadow);
    expect(new Set(shadows.map((d) => d.requestId)).size).toBe(sent);
    for (const shadow of shadows) {
      const primary = primaries.get(shadow.requestId);
      expect(primary, `the primary record of ${shadow.requestId}`).toBeDefined();
      expect(shadow).toMatchObject({ modelVersion: '2', status: 'OK', time: primary!.time, shadow: { primaryVersion: '1', exact: false } });
      expect(primary!.modelVersion).toBe('1');
    }

    // Promotion is refused while agreement is under the threshold, with the numbers, and the refusal is on the record.
    await mesh.registry.setRollout(
      'mlp',
      { promotion: { enabled: true, min_calls: 10, min_agreement: 0.999, max_error_rate: 0.01, max_p99_ratio: 0, window_ms: 600_000, auto_promote: false } },
      ['promotion'],
      { actor: 'test' },
    );
    await waitFor(async () => {
      const error = await mesh.registry.promote('mlp', { actor: 'test' }).then(() => undefined, (e: unknown) => e as { code: number; details: string });
      if (!error || error.code !== status.FAILED_PRECONDITION) throw new Error(`promote: expected FAILED_PRECONDITION, got ${JSON.stringify(error)}`);
      return /agreement [\d.]+ %/.test(error.details) && /under the promotion policy's 99\.9 %/.test(error.details);
    }, 30_000, "the registry to refuse promoting mlp v2 for its agreement");
    const refused = (await mesh.registry.history('mlp')).at(-1)!;
    expect(refused).toMatchObject({ action: 'PROMOTE_REFUSED', version: 2, stable_version: 1, shadow_version: 2 });
    expect(refused.reason).toMatch(/^v2 agreement [\d.]+ % \(of \d+ shadow answers compared in the last 600 s\) is under the promotion policy's 99\.9 %$/);
    expect(refused.evidence).toMatch(/^v2 in the last 600 s: \d+ calls \(\d+ shadow, 0 canary\)/);
    expect((await mesh.registry.getModel('mlp')).rollout).toMatchObject({ stable_version: 1, shadow_version: 2 });
  }, 240_000);
  it('takes only spare capacity: copies of `slow` calls answered while v1 has no room on the runner are shed as busy, the rest are sent', async () => {
    await setShadow('slow', 1, 2);
    // More calls than the runner's instance runs at once: most finish while others still wait.
    const CALLS = 10;
    const results = await Promise.allSettled(Array.from({ length: CALLS }, (_, i) => mesh.client.infer('slow', slowInput(512), { id: `slow-${i}`, timeoutMs: 60_000 })));
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    await waitFor(async () => (await copiesSettled('slow')) >= CALLS, 60_000, 'every copy of the slow calls to be sent or dropped');
    const text = await metrics();
    const sent = metricSum(text, 'infermesh_gateway_shadow_requests_total', { model: 'slow', version: '2' });
    const busy = metricSum(text, 'infermesh_gateway_shadow_dropped_total', { model: 'slow', reason: 'busy' });
    console.log(`slow v1 shadowed by v2: ${CALLS} calls, ${sent} copies sent, ${busy} dropped for a busy runner`);
    expect(busy).toBeGreaterThan(0);
    expect(sent).toBeGreaterThan(0);
    expect(sent + busy).toBe(CALLS);
    // A shed copy is not a failed shadow call: every copy sent was answered OK.
    expect(metricSum(text, 'infermesh_gateway_shadow_requests_total', { model: 'slow', version: '2', code: 'OK' })).toBe(sent);
  }, 120_000);
});
