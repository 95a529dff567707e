/**
 * Alternating rounds: the paths a target compares run side by side, all started before the
 * first window, and are measured in turn for several rounds, the order reversed every other
 * round. Rows measured minutes apart on fresh processes differ by the machine's drift and by
 * the spread between two starts of the same mesh (±15 % here); rows measured back to back,
 * round after round, on the same processes differ by the path. A target reads the median of
 * its per-round ratios.
 */
import type { SpawnedService } from '@infermesh/common';
import { startBenchMesh, type BenchMesh } from './bench-mesh.js';
import { BENCH, grpcRow, involvedChild, startEcho, startForwardedEcho, type ForwardedEcho } from './hop-rows.js';
import { withChild, type Involved, type Window } from './measure.js';
import { fixed, type BenchPath, type BenchRow } from './report.js';
import { checkInferResponse, type BenchModel } from './targets.js';

/** Rounds per concurrency: each path gets this many windows. */
export const ROUNDS = 5;

/** The paths of the alternating section, in their first round's order. */
export const ALTERNATING_PATHS = ['grpc-echo', 'http2-forwarder', 'runner-direct', 'gateway', 'gateway-sdk-disabled'] as const satisfies readonly BenchPath[];
export type AlternatingPath = (typeof ALTERNATING_PATHS)[number];

/** The process each path's own CPU figure is read from. */
const OWN_PROCESS: Record<AlternatingPath, string> = {
  'grpc-echo': 'echo',
  'http2-forwarder': 'forwarder',
  'runner-direct': 'runner',
  gateway: 'gateway',
  'gateway-sdk-disabled': 'gateway',
};

/** One path kept running for the section. */
interface Contender {
  path: AlternatingPath;
  address: string;
  check: ((response: Buffer) => void) | 'echo';
  involved: Involved[];
}

/** Every round at one concurrency: per round, the path's row. */
export interface AlternatingRounds {
  model: string;
  concurrency: number;
  rounds: Record<AlternatingPath, BenchRow>[];
}

/** A ratio taken in every round, and its median. */
export interface RoundRatio {
  median: number;
  perRound: number[];
}

/** The median of a sample (the mean of the middle two for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** `figure(round)` in every round and its median. */
export function roundRatio(result: AlternatingRounds | undefined, figure: (round: Record<AlternatingPath, BenchRow>) => number): RoundRatio {
  const perRound = (result?.rounds ?? []).map(figure);
  return { median: median(perRound), perRound };
}

/** A process's CPU µs per call in a row (all threads, or the main thread); NaN when it is not in the row. */
export function cpuUs(row: BenchRow, process: string, thread: 'process' | 'main' = 'process'): number {
  const stats = row.processes.find((p) => p.process === process);
  if (!stats) return Number.NaN;
  return thread === 'main' ? stats.mainThreadCpuUsPerRequest : stats.cpuUsPerRequest;
}

/** Measures every contender once per round, in the given order on even rounds and reversed on odd ones. */
async function measureRounds(model: BenchModel, concurrency: number, contenders: readonly Contender[], rounds: number, window: Window): Promise<AlternatingRounds> {
  const result: AlternatingRounds = { model: model.name, concurrency, rounds: [] };
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? contenders : [...contenders].reverse();
    const rows = {} as Record<AlternatingPath, BenchRow>;
    for (const { path, address, check, involved } of order) {
      rows[path] = await grpcRow({ model: model.name, concurrency, path }, address, model.requestBytes, check, involved, window);
    }
    result.rounds.push(rows);
  }
  return result;
}

/**
 * Starts a bare echo, a forwarder in front of an echo of its own, the bench mesh with the
 * defaults of `npm start` (its gateway, and its runner called directly) and the same mesh
 * with OTEL_SDK_DISABLED=true, then measures them
 * in alternating rounds at each concurrency. Every window is `window`; every process stays
 * up until the last round.
 */
export async function alternatingRounds(
  repository: string,
  model: BenchModel,
  concurrencies: readonly number[],
  window: Window,
  rounds = ROUNDS,
): Promise<AlternatingRounds[]> {
  const meshModels = [{ name: model.name, probe: model.requestBytes }];
  const check = (response: Buffer) => checkInferResponse(model, response);
  return withChild(startEcho, (echo: SpawnedService) =>
    withChild(startForwardedEcho, (forwarded: ForwardedEcho) =>
      withChild(
        () => startBenchMesh({ repository, models: meshModels }),
        (mesh: BenchMesh) =>
          withChild(
            () => startBenchMesh({ repository, models: meshModels, env: { OTEL_SDK_DISABLED: 'true' } }),
            async (disabled: BenchMesh) => {
              const contenders: Contender[] = [
                { path: 'grpc-echo', address: echo.address, check: 'echo', involved: [BENCH, involvedChild('echo', echo)] },
                {
                  path: 'http2-forwarder',
                  address: forwarded.forwarder.address,
                  check: 'echo',
                  involved: [BENCH, involvedChild('forwarder', forwarded.forwarder), involvedChild('echo', forwarded.echo)],
                },
                { path: 'runner-direct', address: mesh.runner.address, check, involved: [BENCH, involvedChild('runner', mesh.runner)] },
                { path: 'gateway', address: mesh.gateway, check, involved: [BENCH, ...mesh.gatewayPath] },
                { path: 'gateway-sdk-disabled', address: disabled.gateway, check, involved: [BENCH, ...disabled.gatewayPath] },
              ];
              const results: AlternatingRounds[] = [];
              for (const concurrency of concurrencies) results.push(await measureRounds(model, concurrency, contenders, rounds, window));
              return results;
            },
          ),
      ),
    ),
  );
}

/** Each concurrency's rounds as text: per path, its figure in every round. */
export function formatAlternating(results: readonly AlternatingRounds[]): string {
  const lines: string[] = [];
  for (const { model, concurrency, rounds } of results) {
    lines.push(`alternating rounds, ${model} c=${concurrency} (${rounds.length} rounds; calls/s, p50 ms, own CPU µs per call):`);
    for (const path of ALTERNATING_PATHS) {
      const own = OWN_PROCESS[path];
      const cells = rounds.map((round) => `${fixed(round[path].throughput, 0)}/${fixed(round[path].p50Ms, 3)}/${fixed(cpuUs(round[path], own), 0)}`);
      lines.push(`  ${path.padEnd(20)} ${cells.join('  ')}`);
    }
  }
  return lines.join('\n');
}
