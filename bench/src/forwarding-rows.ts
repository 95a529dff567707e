/**
 * The gateway's forwarding designs side by side (`gateway.forwarding` and
 * `gateway.runnerCalls`, set through INFERMESH_GATEWAY_FORWARDING and
 * INFERMESH_GATEWAY_RUNNER_CALLS): grpc-js, a server and a client call per request; http2
 * with the runner calls on one Exchange stream per runner session; and http2 with an HTTP/2
 * stream per runner call. Each design gets a fresh bench mesh, measured at every concurrency
 * in the same order, so the rows differ in the design alone.
 */
import { startBenchMesh } from './bench-mesh.js';
import { BENCH, grpcRow } from './hop-rows.js';
import { withChild, type Window } from './measure.js';
import type { BenchPath, BenchRow } from './report.js';
import { checkInferResponse, type BenchModel } from './targets.js';

/** The designs, by the environment that selects each and the row's path. */
const DESIGNS: [Record<string, string>, BenchPath][] = [
  [{ INFERMESH_GATEWAY_FORWARDING: 'grpc-js' }, 'gateway-grpc-js'],
  [{ INFERMESH_GATEWAY_FORWARDING: 'http2', INFERMESH_GATEWAY_RUNNER_CALLS: 'exchange' }, 'gateway-http2'],
  [{ INFERMESH_GATEWAY_FORWARDING: 'http2', INFERMESH_GATEWAY_RUNNER_CALLS: 'streams' }, 'gateway-http2-streams'],
];

/**
 * Measures each design at `concurrencies` in the order given (the first on a mesh as fresh as
 * the main gateway row's); returns, by concurrency ascending, the rows in the order of DESIGNS.
 */
export async function forwardingRows(repository: string, model: BenchModel, concurrencies: readonly number[], window: Window): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const check = (response: Buffer) => checkInferResponse(model, response);
  for (const [env, path] of DESIGNS) {
    await withChild(
      () => startBenchMesh({ repository, models: [{ name: model.name, probe: model.requestBytes }], env }),
      async (mesh) => {
        for (const concurrency of concurrencies) {
          rows.push(await grpcRow({ model: model.name, concurrency, path }, mesh.gateway, model.requestBytes, check, [BENCH, ...mesh.gatewayPath], window));
        }
      },
    );
  }
  return [...concurrencies].sort((a, b) => a - b).flatMap((concurrency) => rows.filter((row) => row.concurrency === concurrency));
}
