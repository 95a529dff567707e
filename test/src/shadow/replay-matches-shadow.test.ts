/**
 * Replay and shadow traffic judge a candidate the same way: 1,000 `mlp` v1 calls shadowed by
 * v2 through a real mesh (registry, runner, sink and gateway processes), their recorded
 * inputs replayed against v2 by the CLI; over the calls the shadow compared, replay reports
 * the same agreement, exact share and largest difference as the shadow's own records.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mlpModel, waitFor } from '@infermesh/testkit';
import { runInfermesh } from '../harness/index.js';
import { startRegistryMesh, type RegistryMesh } from '../registry/registry-mesh.js';
import { jsonlDocuments } from '../sink/destination-readers.js';

const CALLS = 1_000;
/**
 * One at a time: v1's instance has room for a second call whenever a copy comes, so the runner
 * sheds no copy (copies take only spare capacity) and the shadow sees every call.
 */
const CALLERS = 1;

let mesh: RegistryMesh;

/** A record as the jsonl destination writes it (a type, so that it reads as a Record). */
type RecordDoc = {
  requestId: string;
  modelName: string;
  modelVersion: string;
  shadow?: { primaryVersion: string; exact: boolean; agrees: boolean; maxAbsDiff: number };
};

interface ReplayReport {
  calls: { sent: number; answered: number; failed: number };
  agreement: { calls: number; exact: number; agreeing: number; maxAbsDiff: number };
}

/** Varied values, so that the two versions' argmax agree on some calls and not others. */
const rows = (i: number) => ({
  input: { datatype: 'FP32' as const, shape: [1, 64], data: Float32Array.from({ length: 64 }, (_, k) => Math.sin(i * 7.3 + k * 1.7) * 2) },
});

beforeAll(async () => {
  mesh = await startRegistryMesh({
    devices: ['cpu'],
    // A queue that holds every copy: the shadow compares as many calls as it can, the test uses those it did.
    gateway: { shadow: { maxQueued: 2_000, concurrency: 2, timeoutMs: 30_000 } },
    sink: { destinations: [{ name: 'files', type: 'jsonl', batch: { maxDelayMs: 20 } }], publisher: { captureInputs: ['mlp'] } },
  });
  await mesh.register('mlp', 1, mlpModel(1));
  await mesh.register('mlp', 2, mlpModel(2));
  await mesh.registry.setRollout('mlp', { stable_version: 1, shadow_version: 2, shadow_share_bp: 10_000 }, ['stable_version', 'shadow_version', 'shadow_share_bp'], { actor: 'test' });
  await mesh.waitForReady('mlp', [1, 2], 1);
  await waitFor(() => mesh.client.modelReady('mlp', '2'), 30_000, 'the gateway to route mlp v2');
}, 180_000);

afterAll(async () => {
  await mesh?.stop();
});

it('reports the same agreement for 1,000 recorded calls replayed against v2 as the shadow measured on them', async () => {
  let next = 0;
  await Promise.all(
    Array.from({ length: CALLERS }, async () => {
      for (let i = next++; i < CALLS; i = next++) await mesh.client.infer('mlp', rows(i), { id: `call-${i}`, timeoutMs: 30_000 });
    }),
  );
  const filesDir = join(mesh.dataDir, 'predictions');
  let documents: RecordDoc[] = [];
  await waitFor(
    async () => {
      documents = ((await jsonlDocuments(filesDir, 'files')) as RecordDoc[]).filter((d) => d.modelName === 'mlp');
      const primaries = documents.filter((d) => !d.shadow).length;
      const shadows = new Set(documents.filter((d) => d.shadow).map((d) => d.requestId)).size;
      // Every copy settles well within this wait: its queue never fills, each copy has a deadline.
      return primaries >= CALLS && shadows >= CALLS * 0.99;
    },
    120_000,
    'the sink to write the primary and shadow records of every call',
  );
  const shadows = new Map(documents.filter((d) => d.shadow).map((d) => [d.requestId, d.shadow!]));
  const compared = documents.filter((d) => !d.shadow && shadows.has(d.requestId));
  expect(compared.length).toBe(shadows.size);

  // The shadow's own verdicts over those calls.
  let agreeing = 0;
  let exact = 0;
  let maxAbsDiff = 0;
  for (const { requestId } of compared) {
    const verdict = shadows.get(requestId)!;
    if (verdict.agrees) agreeing++;
    if (verdict.exact) exact++;
    maxAbsDiff = Math.max(maxAbsDiff, verdict.maxAbsDiff);
  }
  console.log(`mlp v1 vs v2 over ${compared.length} shadowed calls: ${agreeing} agree, ${exact} exact, max abs diff ${maxAbsDiff}`);
  // The models differ: some calls agree, some do not, so equal figures are not an accident of 0 % or 100 %.
  expect(agreeing).toBeGreaterThan(0);
  expect(agreeing).toBeLessThan(compared.length);

  // The same calls' primary records, replayed against v2.
  const ids = new Set(compared.map((d) => d.requestId));
  const lines = (await jsonlDocuments(filesDir, 'files')).filter((d) => {
    const doc = d as RecordDoc;
    return doc.modelName === 'mlp' && !doc.shadow && ids.has(doc.requestId);
  });
  const recorded = join(mesh.dataDir, 'shadowed-calls.jsonl');
  await writeFile(recorded, lines.map((doc) => JSON.stringify(doc)).join('\n') + '\n');
  const run = await runInfermesh(['replay', '--from', recorded, '--model', 'mlp', '--version', '2', '--gateway', mesh.gateway, '--limit', String(CALLS), '--json'], { timeoutMs: 180_000 });
  expect(run.code, run.stderr).toBe(0);
  const report = JSON.parse(run.stdout) as ReplayReport;
  console.log(`replay of the same calls against v2: ${report.agreement.agreeing} agree, ${report.agreement.exact} exact, max abs diff ${report.agreement.maxAbsDiff}`);
  expect(report.calls).toMatchObject({ sent: compared.length, answered: compared.length, failed: 0 });
  expect(report.agreement).toMatchObject({ calls: compared.length, agreeing, exact });
  expect(report.agreement.maxAbsDiff).toBeCloseTo(maxAbsDiff, 5);
}, 600_000);
