/**
 * What a 100 % shadow costs the caller: `mlp` v1 through the bench mesh's gateway with its
 * shadow share at 0 and at 100 % (v2 gets a copy of every call), in alternating rounds on
 * the same processes, the order reversed every other round. Between two rows only the
 * rollout's share changes (v2 stays loaded as the shadow), so the ratio of their p50s is the
 * shadow's cost plus the run-to-run noise, which the spread of the per-round ratios shows.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { RegistryClient } from '@infermesh/client';
import { metricSum, scrape } from '@infermesh/common';
import { median } from './alternating.js';
import { startBenchMesh, type BenchMesh } from './bench-mesh.js';
import { grpcRow } from './hop-rows.js';
import { withChild, type Involved, type Window } from './measure.js';
import { fixed, type BenchRow } from './report.js';
import { checkInferResponse, type BenchModel } from './targets.js';

/** The version that shadows the bench model's version 1. */
const SHADOW_VERSION = 2;
/** Time for the registry's route change to reach the gateway before a row measures. */
const ROUTE_SETTLE_MS = 500;

/** What became of the copies of the calls in a row with a shadow, from the gateway's counters. */
export interface ShadowCopies {
  /** Sent to the shadow version and answered. */
  sent: number;
  /** Shed by the runner, or held back after a shed: v1 had no room for another call there. */
  busy: number;
  /** Dropped for the gateway's full copy queue. */
  queueFull: number;
}

/** Per round, the row without a shadow and the row with a 100 % shadow. */
export interface ShadowRounds {
  model: string;
  concurrency: number;
  rounds: { without: BenchRow; with: BenchRow; copies: ShadowCopies }[];
  /** Copies of all the rounds' calls with a shadow, and the share of them sent. */
  copies: ShadowCopies & { sentShare: number };
  /** p50 with / p50 without, per round, and their median, smallest and largest. */
  p50Ratio: { median: number; min: number; max: number; perRound: number[] };
  /** Run-to-run noise: the largest p50 without a shadow over the smallest, across the rounds. */
  noiseRatio: number;
}

const BENCH: Involved = { process: 'bench', pid: process.pid };

async function setShare(client: RegistryClient, model: string, shareBp: number): Promise<void> {
  await client.setRollout(model, { shadow_version: SHADOW_VERSION, shadow_share_bp: shareBp }, ['shadow_version', 'shadow_share_bp'], { actor: 'infermesh bench', reason: `shadow at ${shareBp / 100} %` });
  await sleep(ROUTE_SETTLE_MS);
}

async function untilShadowReady(client: RegistryClient, model: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (!(await client.getModel(model)).versions.find((v) => v.version === SHADOW_VERSION)?.runners.length) {
    if (Date.now() > deadline) throw new Error(`${model} v${SHADOW_VERSION} is not ready on the bench runner after 120 s`);
    await sleep(100);
  }
}

/** The gateway's shadow counters for `model` now. */
async function copyCounters(gatewayHttp: string, model: string): Promise<ShadowCopies> {
  const text = await scrape(gatewayHttp);
  return {
    sent: metricSum(text, 'infermesh_gateway_shadow_requests_total', { model }),
    busy: metricSum(text, 'infermesh_gateway_shadow_dropped_total', { model, reason: 'busy' }),
    queueFull: metricSum(text, 'infermesh_gateway_shadow_dropped_total', { model, reason: 'queue_full' }),
  };
}

const copiesBetween = (before: ShadowCopies, after: ShadowCopies): ShadowCopies => ({
  sent: after.sent - before.sent,
  busy: after.busy - before.busy,
  queueFull: after.queueFull - before.queueFull,
});

/** Measures `model` (mlp) with and without a 100 % shadow in `rounds` alternating rounds of `window` each. */
export async function shadowRounds(repository: string, model: BenchModel, concurrency: number, window: Window, rounds: number): Promise<ShadowRounds> {
  const check = (response: Buffer) => checkInferResponse(model, response);
  return withChild(
    () => startBenchMesh({ repository, models: [{ name: model.name, probe: model.requestBytes }] }),
    async (mesh: BenchMesh) => {
      const client = new RegistryClient(mesh.registry.address);
      try {
        await setShare(client, model.name, 0);
        await untilShadowReady(client, model.name);
        const result: ShadowRounds = {
          model: model.name,
          concurrency,
          rounds: [],
          copies: { sent: 0, busy: 0, queueFull: 0, sentShare: NaN },
          p50Ratio: { median: NaN, min: NaN, max: NaN, perRound: [] },
          noiseRatio: NaN,
        };
        const measureAt = async (shareBp: number) => {
          await setShare(client, model.name, shareBp);
          const path = shareBp > 0 ? 'gateway-shadow' : 'gateway';
          return grpcRow({ model: model.name, concurrency, path }, mesh.gateway, model.requestBytes, check, [BENCH, ...mesh.gatewayPath], window);
        };
        for (let round = 0; round < rounds; round++) {
          const shadowFirst = round % 2 === 1;
          const before = await copyCounters(mesh.gatewayHttp, model.name);
          const first = await measureAt(shadowFirst ? 10_000 : 0);
          const second = await measureAt(shadowFirst ? 0 : 10_000);
          // Copies of the shadow row's calls (warm-up included) settle by the time the next row is measured.
          const copies = copiesBetween(before, await copyCounters(mesh.gatewayHttp, model.name));
          result.rounds.push(shadowFirst ? { with: first, without: second, copies } : { without: first, with: second, copies });
          result.copies.sent += copies.sent;
          result.copies.busy += copies.busy;
          result.copies.queueFull += copies.queueFull;
        }
        const { sent, busy, queueFull } = result.copies;
        result.copies.sentShare = sent / (sent + busy + queueFull);
        const perRound = result.rounds.map((r) => r.with.p50Ms / r.without.p50Ms);
        result.p50Ratio = { median: median(perRound), min: Math.min(...perRound), max: Math.max(...perRound), perRound };
        const without = result.rounds.map((r) => r.without.p50Ms);
        result.noiseRatio = Math.max(...without) / Math.min(...without);
        return result;
      } finally {
        client.close();
      }
    },
  );
}

/** The rounds as text: p50 with and without per round, and the ratio's median and spread. */
export function formatShadowRounds(result: ShadowRounds): string {
  const { model, concurrency, rounds, p50Ratio, noiseRatio, copies } = result;
  const cells = rounds.map((r) => `${fixed(r.without.p50Ms, 3)}/${fixed(r.with.p50Ms, 3)}`);
  return [
    `shadow at 100 %, ${model} v1 shadowed by v${SHADOW_VERSION}, c=${concurrency} (${rounds.length} alternating rounds; p50 ms without/with):`,
    `  ${cells.join('  ')}`,
    `  p50 with/without: median ${fixed(p50Ratio.median, 3)}, per round ${fixed(p50Ratio.min, 3)}..${fixed(p50Ratio.max, 3)}; ` +
      `run-to-run noise: p50 without a shadow varies ${fixed(noiseRatio, 3)}× across the rounds`,
    `  copies: ${fixed(copies.sentShare * 100, 1)} % sent and compared (${copies.sent}), ${copies.busy} shed because v1 had no room on the runner, ${copies.queueFull} dropped for a full queue`,
  ].join('\n');
}
