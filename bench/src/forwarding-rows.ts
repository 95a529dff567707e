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
