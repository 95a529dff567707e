/**
 * The gateway's forwarding designs compared from their rows, per concurrency: http2's figures
 * over grpc-js's, and on http2 runner calls on an Exchange stream over a stream per call.
 */
import { fixed, type BenchPath, type BenchRow } from './report.js';

/** One design's figures at one concurrency. */
export interface DesignFigures {
  throughput: number;
  p50Ms: number;
  p99Ms: number;
  /** The gateway process's CPU per call, µs. */
  gatewayCpuUs: number;
  /** The runner process's CPU per call, µs, and its main thread's. */
  runnerCpuUs: number;
  runnerMainThreadCpuUs: number;
}

/** The two designs at one concurrency, and http2's figures over grpc-js's. */
export interface ForwardingComparison {
  concurrency: number;
  grpcJs: DesignFigures;
  http2: DesignFigures;
  /** http2 ÷ grpc-js: above 1 http2 serves more calls. */
  throughputRatio: number;
  /** http2 ÷ grpc-js: below 1 http2 is faster. */
  p50Ratio: number;
  /** http2 ÷ grpc-js: below 1 http2 spends less of the gateway's CPU per call. */
  gatewayCpuRatio: number;
}

/** On http2 forwarding, runner calls on an Exchange stream against a stream per call, at one concurrency. */
export interface RunnerCallsComparison {
  concurrency: number;
  streams: DesignFigures;
  exchange: DesignFigures;
  /** exchange ÷ streams: above 1 the Exchange stream serves more calls. */
  throughputRatio: number;
  /** exchange ÷ streams: below 1 the Exchange stream is faster. */
  p50Ratio: number;
  /** exchange ÷ streams: below 1 the Exchange stream spends less of the gateway's CPU per call. */
  gatewayCpuRatio: number;
  /** exchange ÷ streams, of the runner's main thread. */
  runnerMainThreadCpuRatio: number;
}

function figures(row: BenchRow): DesignFigures {
  const of = (process: string) => row.processes.find((p) => p.process === process);
  const runner = of('runner');
  return {
    throughput: row.throughput,
    p50Ms: row.p50Ms,
    p99Ms: row.p99Ms,
    gatewayCpuUs: of('gateway')?.cpuUsPerRequest ?? Number.NaN,
    runnerCpuUs: runner?.cpuUsPerRequest ?? Number.NaN,
    runnerMainThreadCpuUs: runner?.mainThreadCpuUsPerRequest ?? Number.NaN,
  };
}

/** The figures of the rows on `base` and `other` of `model`, at each concurrency that has both. */
function pairs(rows: readonly BenchRow[], model: string, base: BenchPath, other: BenchPath): { concurrency: number; base: DesignFigures; other: DesignFigures }[] {
  const of = (path: BenchPath) => rows.filter((row) => row.model === model && row.path === path && row.payloadBytes === undefined);
  return of(base).flatMap((baseRow) => {
    const otherRow = of(other).find((row) => row.concurrency === baseRow.concurrency);
    return otherRow ? [{ concurrency: baseRow.concurrency, base: figures(baseRow), other: figures(otherRow) }] : [];
  });
}

/** http2 over grpc-js at each concurrency that has both rows of `model`. */
export function compareForwarding(rows: readonly BenchRow[], model: string): ForwardingComparison[] {
  return pairs(rows, model, 'gateway-grpc-js', 'gateway-http2').map(({ concurrency, base: grpcJs, other: http2 }) => ({
    concurrency,
    grpcJs,
    http2,
    throughputRatio: http2.throughput / grpcJs.throughput,
    p50Ratio: http2.p50Ms / grpcJs.p50Ms,
    gatewayCpuRatio: http2.gatewayCpuUs / grpcJs.gatewayCpuUs,
  }));
}

/** The Exchange stream over a stream per runner call at each concurrency that has both rows of `model`. */
export function compareRunnerCalls(rows: readonly BenchRow[], model: string): RunnerCallsComparison[] {
  return pairs(rows, model, 'gateway-http2-streams', 'gateway-http2').map(({ concurrency, base: streams, other: exchange }) => ({
    concurrency,
    streams,
    exchange,
    throughputRatio: exchange.throughput / streams.throughput,
    p50Ratio: exchange.p50Ms / streams.p50Ms,
    gatewayCpuRatio: exchange.gatewayCpuUs / streams.gatewayCpuUs,
    runnerMainThreadCpuRatio: exchange.runnerMainThreadCpuUs / streams.runnerMainThreadCpuUs,
  }));
}

/** One line per concurrency: http2 over grpc-js in throughput, p50 and the gateway's CPU per call. */
export function formatForwarding(comparisons: readonly ForwardingComparison[], mainRow: string): string {
  const lines = comparisons.map(
    (c) =>
      `forwarding at c=${c.concurrency}: http2 ${fixed(c.http2.throughput, 0)} vs grpc-js ${fixed(c.grpcJs.throughput, 0)} calls/s (${fixed(c.throughputRatio, 2)}×), ` +
      `p50 ${fixed(c.http2.p50Ms, 3)} vs ${fixed(c.grpcJs.p50Ms, 3)} ms (${fixed(c.p50Ratio, 2)}×), ` +
      `gateway CPU ${fixed(c.http2.gatewayCpuUs, 0)} vs ${fixed(c.grpcJs.gatewayCpuUs, 0)} µs/call (${fixed(c.gatewayCpuRatio, 2)}×)`,
  );
  return [...lines, `(the main gateway rows forward with ${mainRow})`].join('\n');
}

/** One line per concurrency: the Exchange stream over a stream per runner call. */
export function formatRunnerCalls(comparisons: readonly RunnerCallsComparison[]): string {
  return comparisons
    .map(
      (c) =>
        `runner calls at c=${c.concurrency} (http2): exchange ${fixed(c.exchange.throughput, 0)} vs a stream each ${fixed(c.streams.throughput, 0)} calls/s (${fixed(c.throughputRatio, 2)}×), ` +
        `p50 ${fixed(c.exchange.p50Ms, 3)} vs ${fixed(c.streams.p50Ms, 3)} ms (${fixed(c.p50Ratio, 2)}×), ` +
        `gateway CPU ${fixed(c.exchange.gatewayCpuUs, 0)} vs ${fixed(c.streams.gatewayCpuUs, 0)} µs/call (${fixed(c.gatewayCpuRatio, 2)}×), ` +
        `runner main thread ${fixed(c.exchange.runnerMainThreadCpuUs, 0)} vs ${fixed(c.streams.runnerMainThreadCpuUs, 0)} µs/call (${fixed(c.runnerMainThreadCpuRatio, 2)}×)`,
    )
    .join('\n');
}
