/**
 * The performance targets of issue 25, each judged from what one bench run measured: the
 * measured value, the references it is compared with (same run, same load), PASS or FAIL.
 * Any value a target needs and the run lacks makes that target FAIL as not measured.
 */
import { cpuUs, roundRatio, type AlternatingRounds, type RoundRatio } from './alternating.js';
import type { BatchingSummary } from './batching.js';
import { PAYLOAD_BYTES, PAYLOAD_CONCURRENCY } from './payload-rows.js';
import { alignedTable, fixed, type BenchPath, type BenchRow } from './report.js';
import type { RssGrowth } from './rss-growth.js';

/** A value a target reads, named the way the table prints it. */
export interface Reading {
  name: string;
  value: number;
  unit: string;
}

/** One target, judged. */
export interface TargetResult {
  /** What is required, in words. */
  target: string;
  measured: Reading;
  /** The same run's values the bound is derived from. */
  references: Reading[];
  /** The limit the measured value was held to. */
  bound: number;
  pass: boolean;
  /** How the measured value was taken, where the target's words alone do not say. */
  note?: string;
}

/** What a run measured, for the targets to read. */
export interface RunResults {
  rows: readonly BenchRow[];
  /** The alternating section's rounds on simple, by concurrency. */
  alternating: readonly AlternatingRounds[];
  batching: BatchingSummary;
  rssGrowth: RssGrowth;
}

const SIMPLE = 'simple';

function rowOf(rows: readonly BenchRow[], model: string, concurrency: number, path: BenchPath, payloadBytes?: number): BenchRow | undefined {
  return rows.find((r) => r.model === model && r.concurrency === concurrency && r.path === path && r.payloadBytes === payloadBytes);
}

/** CPU µs per call of one process in a row; NaN when the row or the process is missing. */
function cpuOf(row: BenchRow | undefined, process: string, thread: 'process' | 'main' = 'process'): number {
  const stats = row?.processes.find((p) => p.process === process);
  if (!stats) return Number.NaN;
  return thread === 'main' ? stats.mainThreadCpuUsPerRequest : stats.cpuUsPerRequest;
}

/** `measured` ≤ `factor` × the reference (or ≥ when `atLeast`); `also` are shown beside it, for context. */
function ratioTarget(
  target: string,
  measured: Reading,
  reference: Reading,
  factor: number,
  { atLeast = false, also = [], note }: { atLeast?: boolean; also?: Reading[]; note?: string } = {},
): TargetResult {
  const bound = factor * reference.value;
  const pass = Number.isFinite(measured.value) && Number.isFinite(bound) && (atLeast ? measured.value >= bound : measured.value <= bound);
  return { target, measured, references: [reference, ...also], bound, pass, ...(note ? { note } : {}) };
}

const reading = (name: string, value: number, unit: string): Reading => ({ name, value, unit });

/**
 * A target on the median over alternating rounds of measured ÷ reference (≤ `factor`, or ≥
 * when `atLeast`); the references shown are the medians of the two figures themselves.
 */
function roundTarget(
  target: string,
  ratio: RoundRatio,
  figures: Reading[],
  factor: number,
  { atLeast = false }: { atLeast?: boolean } = {},
): TargetResult {
  const pass = Number.isFinite(ratio.median) && (atLeast ? ratio.median >= factor : ratio.median <= factor);
  return {
    target,
    measured: reading('median ratio', ratio.median, '×'),
    references: figures,
    bound: factor,
    pass,
    note: `alternating rounds, ratio per round: ${ratio.perRound.map((r) => fixed(r, 2)).join(', ')}`,
  };
}

/** The median over rounds of one figure of one path. */
function medianFigure(result: AlternatingRounds | undefined, figure: (round: AlternatingRounds['rounds'][number]) => number): number {
  return roundRatio(result, figure).median;
}

/** Every target of the issue, in its order. */
export function judgeTargets({ rows, alternating, batching, rssGrowth }: RunResults): TargetResult[] {
  const rounds = (concurrency: number) => alternating.find((a) => a.model === SIMPLE && a.concurrency === concurrency);
  const at64 = rounds(64);
  const at1 = rounds(1);
  const extraCpu = (path: BenchPath, process: string) =>
    cpuOf(rowOf(rows, 'strings', PAYLOAD_CONCURRENCY, path, PAYLOAD_BYTES[1]), process) - cpuOf(rowOf(rows, 'strings', PAYLOAD_CONCURRENCY, path, PAYLOAD_BYTES[0]), process);
  const [unbatched, batched, inProcess] = batching.rows;
  const throughput = (path: 'grpc-echo' | 'http2-forwarder' | 'gateway' | 'gateway-sdk-disabled') => reading(path, medianFigure(at64, (r) => r[path].throughput), 'calls/s');
  return [
    roundTarget(
      'gateway CPU per call ≤ 1.5× the forwarder’s (simple, c=64)',
      roundRatio(at64, (r) => cpuUs(r.gateway, 'gateway') / cpuUs(r['http2-forwarder'], 'forwarder')),
      [
        reading('gateway', medianFigure(at64, (r) => cpuUs(r.gateway, 'gateway')), 'µs'),
        reading('forwarder', medianFigure(at64, (r) => cpuUs(r['http2-forwarder'], 'forwarder')), 'µs'),
      ],
      1.5,
    ),
    roundTarget(
      'gateway throughput ≥ 60 % of the echo’s (simple, c=64)',
      roundRatio(at64, (r) => r.gateway.throughput / r['grpc-echo'].throughput),
      [throughput('gateway'), throughput('grpc-echo'), throughput('http2-forwarder')],
      0.6,
      { atLeast: true },
    ),
    roundTarget(
      'gateway p50 ≤ 2.5× the echo’s (simple, c=1)',
      roundRatio(at1, (r) => r.gateway.p50Ms / r['grpc-echo'].p50Ms),
      [
        reading('gateway', medianFigure(at1, (r) => r.gateway.p50Ms), 'ms'),
        reading('echo', medianFigure(at1, (r) => r['grpc-echo'].p50Ms), 'ms'),
        reading('forwarder→echo', medianFigure(at1, (r) => r['http2-forwarder'].p50Ms), 'ms'),
      ],
      2.5,
    ),
    ratioTarget(
      `gateway extra CPU per call for 1 MiB over 1 KiB ≤ 1.5× the forwarder’s (strings, c=${PAYLOAD_CONCURRENCY})`,
      reading('gateway', extraCpu('gateway', 'gateway'), 'µs'),
      reading('forwarder', extraCpu('http2-forwarder', 'forwarder'), 'µs'),
      1.5,
    ),
    roundTarget(
      'runner main-thread CPU per call ≤ 1.5× the echo’s (simple, c=64, runner direct)',
      roundRatio(at64, (r) => cpuUs(r['runner-direct'], 'runner', 'main') / cpuUs(r['grpc-echo'], 'echo', 'main')),
      [
        reading('runner main thread', medianFigure(at64, (r) => cpuUs(r['runner-direct'], 'runner', 'main')), 'µs'),
        reading('echo main thread', medianFigure(at64, (r) => cpuUs(r['grpc-echo'], 'echo', 'main')), 'µs'),
        reading('runner process', medianFigure(at64, (r) => cpuUs(r['runner-direct'], 'runner')), 'µs'),
      ],
      1.5,
    ),
    ratioTarget(
      'heavy with dynamic batching ≥ 3.5× unbatched (c=64)',
      reading('batched', batched?.throughput ?? Number.NaN, 'rows/s'),
      reading('unbatched', unbatched?.throughput ?? Number.NaN, 'rows/s'),
      3.5,
      { atLeast: true },
    ),
    ratioTarget(
      'heavy with dynamic batching ≥ 85 % of in-process onnxruntime at the same batch size',
      reading('batched', batched?.throughput ?? Number.NaN, 'rows/s'),
      reading(`in-process ×${Math.max(1, Math.round(batching.meanBatch))}`, inProcess?.throughput ?? Number.NaN, 'rows/s'),
      0.85,
      { atLeast: true },
    ),
    {
      target: 'gateway RSS < 100 MB at c=64 (simple)',
      measured: reading('gateway peak', rssGrowth.peakRssMiB * 2 ** 20 / 1e6, 'MB'),
      references: [],
      bound: 100,
      pass: rssGrowth.peakRssMiB * 2 ** 20 < 100e6,
      note: `VmHWM after the long run: the peak over the gateway's life, start-up included`,
    },
    {
      target: `gateway RSS growth < 5 % over ${rssGrowth.calls} calls after ${rssGrowth.warmupCalls} warm-up (simple, c=64)`,
      measured: reading('growth', rssGrowth.growth * 100, '%'),
      references: [reading('first quarter', rssGrowth.startRssMiB, 'MiB'), reading('last quarter', rssGrowth.endRssMiB, 'MiB')],
      bound: 5,
      pass: Number.isFinite(rssGrowth.growth) && rssGrowth.growth < 0.05,
    },
    roundTarget(
      'unsampled tracing (defaults) ≥ 95 % of the throughput with OTEL_SDK_DISABLED=true (simple, c=64)',
      roundRatio(at64, (r) => r.gateway.throughput / r['gateway-sdk-disabled'].throughput),
      [throughput('gateway'), throughput('gateway-sdk-disabled')],
      0.95,
      { atLeast: true },
    ),
  ];
}

const DIGITS: Record<string, number> = { 'µs': 0, 'calls/s': 0, 'rows/s': 1, ms: 3, MB: 1, MiB: 1, '%': 1 };
const show = ({ name, value, unit }: Reading) => `${name} ${fixed(value, DIGITS[unit] ?? 2)} ${unit}`;

/** The targets as an aligned table (target, measured and its ratio to the first reference, references, PASS/FAIL), then their notes. */
export function formatTargets(results: readonly TargetResult[]): string {
  const cells = results.map(({ target, measured, references, pass }) => {
    const ratio = references[0] && measured.unit === references[0].unit ? ` (${fixed(measured.value / references[0].value, 2)}×)` : '';
    return [target, `${show(measured)}${ratio}`, references.map(show).join(', ') || '-', pass ? 'PASS' : 'FAIL'];
  });
  const notes = results.filter((r) => r.note).map((r) => `note, ${r.target}: ${r.note}`);
  return [alignedTable(['target', 'measured', 'reference(s), same run', 'result'], cells, new Set()), ...notes].join('\n');
}
