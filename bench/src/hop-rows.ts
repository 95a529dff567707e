/**
 * The hop rows of one model at one concurrency, from the floor up: in-process onnxruntime, a
 * bare grpc-js echo, a raw http2 forwarder in front of that echo, the bench mesh's runner
 * called directly, and its gateway. Every child is its own process; the echo and the
 * forwarder are started per row, one bench mesh serves both of its rows.
 */
import { fileURLToPath } from 'node:url';
import { spawnService, type SpawnedService } from '@infermesh/common';
import { MODEL_INFER_PATH } from '@infermesh/proto';
import { startBenchMesh } from './bench-mesh.js';
import { ECHO_PATH } from './echo-server.js';
import { measure, withChild, type Involved, type Window } from './measure.js';
import type { BenchPath, BenchRow } from './report.js';
import { checkInferResponse, ortSession, RawCaller, type BenchModel } from './targets.js';

const ECHO_SCRIPT = fileURLToPath(new URL('./echo-server.js', import.meta.url));
const FORWARDER_SCRIPT = fileURLToPath(new URL('./http2-forwarder.js', import.meta.url));

/** The bench process itself, involved in every row as the client. */
export const BENCH: Involved = { process: 'bench', pid: process.pid };

/** The echo server and a forwarder in front of it, both running. */
export interface ForwardedEcho {
  echo: SpawnedService;
  forwarder: SpawnedService;
  stop(): Promise<void>;
}

/** Starts the echo server. */
export function startEcho(): Promise<SpawnedService> {
  return spawnService({ name: 'echo', script: ECHO_SCRIPT });
}

/** Starts the echo server and a raw http2 forwarder in front of it. */
export async function startForwardedEcho(): Promise<ForwardedEcho> {
  const echo = await startEcho();
  try {
    const forwarder = await spawnService({ name: 'forwarder', script: FORWARDER_SCRIPT, env: { BENCH_FORWARD_TO: echo.address } });
    return { echo, forwarder, stop: async () => void (await Promise.all([forwarder.stop(), echo.stop()])) };
  } catch (error) {
    await echo.stop();
    throw error;
  }
}

/** The process of a spawned child, by label. */
export const involvedChild = (process: string, child: SpawnedService): Involved => ({ process, pid: child.child.pid! });

/**
 * One gRPC row sending `bytes` to `method`: checks the first answer (an echo must answer the
 * same bytes, an infer call through `check`), then measures.
 */
export async function grpcRow(
  row: { model: string; concurrency: number; path: BenchPath },
  address: string,
  bytes: Buffer,
  check: ((response: Buffer) => void) | 'echo',
  involved: Involved[],
  window: Window,
): Promise<BenchRow> {
  const method = check === 'echo' ? ECHO_PATH : MODEL_INFER_PATH;
  const caller = new RawCaller(address, method, bytes);
  try {
    const first = await caller.call();
    if (check === 'echo') {
      if (!first.equals(bytes)) throw new Error(`${row.path}: the echo answered different bytes`);
    } else check(first);
    return await measure(row.model, row.concurrency, row.path, involved, async () => void (await caller.call()), window);
  } finally {
    caller.close();
  }
}

/** ort-inprocess, grpc-echo, http2-forwarder, runner-direct and gateway for `model` at `concurrency`. */
export async function hopRows(repository: string, model: BenchModel, concurrency: number, window: Window): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const session = await ortSession(repository, model);
  try {
    const first = await session.run(model.feeds);
    if (model.outputs.some((name) => !(name in first))) throw new Error(`${model.name}: in-process session lacks outputs ${model.outputs.join(',')}`);
    rows.push(await measure(model.name, concurrency, 'ort-inprocess', [BENCH], async () => void (await session.run(model.feeds)), window));
  } finally {
    await session.release();
  }
  const at = (path: BenchPath) => ({ model: model.name, concurrency, path });
  const infer = (response: Buffer) => checkInferResponse(model, response);
  rows.push(
    await withChild(startEcho, (echo) =>
      grpcRow(at('grpc-echo'), echo.address, model.requestBytes, 'echo', [BENCH, involvedChild('echo', echo)], window),
    ),
  );
  rows.push(
    await withChild(startForwardedEcho, ({ echo, forwarder }) =>
      grpcRow(at('http2-forwarder'), forwarder.address, model.requestBytes, 'echo', [BENCH, involvedChild('forwarder', forwarder), involvedChild('echo', echo)], window),
    ),
  );
  // One mesh for both: the gateway row first, on a mesh as fresh as the tracing and forwarding rows' meshes; then the same mesh's runner directly.
  const [gateway, runnerDirect] = await withChild(
    () => startBenchMesh({ repository, models: [{ name: model.name, probe: model.requestBytes }] }),
    async (mesh) => [
      await grpcRow(at('gateway'), mesh.gateway, model.requestBytes, infer, [BENCH, ...mesh.gatewayPath], window),
      await grpcRow(at('runner-direct'), mesh.runner.address, model.requestBytes, infer, [BENCH, involvedChild('runner', mesh.runner)], window),
    ],
  );
  rows.push(runnerDirect, gateway);
  return rows;
}
