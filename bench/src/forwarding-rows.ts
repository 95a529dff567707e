/**
 * The gateway's two forwarding designs side by side (`gateway.forwarding`, set through
 * INFERMESH_GATEWAY_FORWARDING): grpc-js, a server and a client call per request, and http2,
 * the HTTP/2 stream piped to the runner. Each design gets a fresh bench mesh, measured at
 * every concurrency in the same order, so the rows differ in the design alone.
 */
import { startBenchMesh } from './bench-mesh.js';
import { BENCH, grpcRow } from './hop-rows.js';
import { withChild, type Window } from './measure.js';
import type { BenchPath, BenchRow } from './report.js';
import { checkInferResponse, type BenchModel } from './targets.js';

/** The designs, by the value INFERMESH_GATEWAY_FORWARDING takes and the row's path. */
const DESIGNS: [string, BenchPath][] = [
  ['grpc-js', 'gateway-grpc-js'],
  ['http2', 'gateway-http2'],
];

/**
 * Measures each design at `concurrencies` in the order given (the first on a mesh as fresh as
 * the main gateway row's); returns, by concurrency ascending, the grpc-js row then the http2 row.
 */
export async function forwardingRows(repository: string, model: BenchModel, concurrencies: readonly number[], window: Window): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const check = (response: Buffer) => checkInferResponse(model, response);
  for (const [forwarding, path] of DESIGNS) {
    await withChild(
      () => startBenchMesh({ repository, models: [{ name: model.name, probe: model.requestBytes }], env: { INFERMESH_GATEWAY_FORWARDING: forwarding } }),
      async (mesh) => {
        for (const concurrency of concurrencies) {
          rows.push(await grpcRow({ model: model.name, concurrency, path }, mesh.gateway, model.requestBytes, check, [BENCH, ...mesh.gatewayPath], window));
        }
      },
    );
  }
  return [...concurrencies].sort((a, b) => a - b).flatMap((concurrency) => rows.filter((row) => row.concurrency === concurrency));
}

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
      `forwarding at c=${c.concurrency}: http2 ${c.http2.throughput.toFixed(0)} vs grpc-js ${c.grpcJs.throughput.toFixed(0)} calls/s (${c.throughputRatio.toFixed(2)}×), ` +
      `p50 ${c.http2.p50Ms.toFixed(3)} vs ${c.grpcJs.p50Ms.toFixed(3)} ms (${c.p50Ratio.toFixed(2)}×), ` +
      `gateway CPU ${c.http2.gatewayCpuUs.toFixed(0)} vs ${c.grpcJs.gatewayCpuUs.toFixed(0)} µs/call (${c.gatewayCpuRatio.toFixed(2)}×)`,
  );
  return [...lines, `(the main gateway rows forward with ${mainRow})`].join('\n');
}
