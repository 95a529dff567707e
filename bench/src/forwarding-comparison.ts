/** The gateway's two forwarding designs compared from their rows: http2's figures over grpc-js's, per concurrency. */
import { fixed, type BenchPath, type BenchRow } from './report.js';

/** One design's figures at one concurrency. */
export interface DesignFigures {
  throughput: number;
  p50Ms: number;
  p99Ms: number;
  /** The gateway process's CPU per call, µs. */
  gatewayCpuUs: number;
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

function figures(row: BenchRow): DesignFigures {
  const gateway = row.processes.find((p) => p.process === 'gateway');
  return { throughput: row.throughput, p50Ms: row.p50Ms, p99Ms: row.p99Ms, gatewayCpuUs: gateway?.cpuUsPerRequest ?? Number.NaN };
}

/** The comparison at each concurrency that has both rows of `model`. */
export function compareForwarding(rows: readonly BenchRow[], model: string): ForwardingComparison[] {
  const of = (path: BenchPath) => rows.filter((row) => row.model === model && row.path === path && row.payloadBytes === undefined);
  return of('gateway-grpc-js').flatMap((grpcRow) => {
    const h2Row = of('gateway-http2').find((row) => row.concurrency === grpcRow.concurrency);
    if (!h2Row) return [];
    const grpcJs = figures(grpcRow);
    const http2 = figures(h2Row);
    return [
      {
        concurrency: grpcRow.concurrency,
        grpcJs,
        http2,
        throughputRatio: http2.throughput / grpcJs.throughput,
        p50Ratio: http2.p50Ms / grpcJs.p50Ms,
        gatewayCpuRatio: http2.gatewayCpuUs / grpcJs.gatewayCpuUs,
      },
    ];
  });
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
