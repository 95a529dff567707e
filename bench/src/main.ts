/** Benchmark entry: ORT in process vs a bare gRPC echo vs runner direct vs through the gateway, per model and concurrency. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnService } from '@infermesh/common';
import { MODEL_INFER_PATH } from '@infermesh/proto';
import { batchingRows, type BatchingSummary } from './batching.js';
import { startBenchMesh } from './bench-mesh.js';
import { ECHO_PATH } from './echo-server.js';
import { tracingRows } from './tracing.js';
import { measure, running, withChild, type Involved, type Window } from './measure.js';
import { formatTable, machineInfo, machineLine, writeReport, type BenchPath, type BenchRow } from './report.js';
import { benchModels, checkInferResponse, ortSession, RawCaller, type BenchModel } from './targets.js';

const CONCURRENCIES = [1, 64];
const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url));
const ECHO_SCRIPT = fileURLToPath(new URL('./echo-server.js', import.meta.url));
const USAGE = 'usage: node bench/dist/main.js [--warmup <s>] [--seconds <s>] [--quick]  (run from the repository root)';

type Options = Window;

/** A mistake in the command line: reported without a stack. */
class UsageError extends Error {}

function parseArgs(argv: readonly string[]): Options {
  const options: Options = { warmupSeconds: 1, measureSeconds: 4 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (flag === '--quick') Object.assign(options, { warmupSeconds: 0.3, measureSeconds: 1 });
    else if (flag === '--seconds' || flag === '--warmup') {
      const value = Number(argv[++i]);
      if (!Number.isFinite(value) || value < 0 || (flag === '--seconds' && value === 0)) throw new UsageError(`${flag} needs a positive number\n${USAGE}`);
      options[flag === '--seconds' ? 'measureSeconds' : 'warmupSeconds'] = value;
    } else throw new UsageError(`unknown argument '${flag}'\n${USAGE}`);
  }
  return options;
}

/** One gRPC row: checks the first answer, then measures. */
async function grpcRow(model: BenchModel, concurrency: number, benchPath: BenchPath, address: string, involved: Involved[], options: Options): Promise<BenchRow> {
  const echo = benchPath === 'grpc-echo';
  const caller = new RawCaller(address, echo ? ECHO_PATH : MODEL_INFER_PATH, model.requestBytes);
  try {
    const first = await caller.call();
    if (echo && !first.equals(model.requestBytes)) throw new Error('echo server answered different bytes');
    if (!echo) checkInferResponse(model, first);
    return await measure(model.name, concurrency, benchPath, involved, async () => void (await caller.call()), options);
  } finally {
    caller.close();
  }
}

async function rowsFor(repository: string, model: BenchModel, concurrency: number, options: Options): Promise<BenchRow[]> {
  const bench: Involved = { process: 'bench', pid: process.pid };
  const rows: BenchRow[] = [];
  const session = await ortSession(repository, model);
  try {
    const first = await session.run(model.feeds);
    if (model.outputs.some((name) => !(name in first))) throw new Error(`${model.name}: in-process session lacks outputs ${model.outputs.join(',')}`);
    rows.push(await measure(model.name, concurrency, 'ort-inprocess', [bench], async () => void (await session.run(model.feeds)), options));
  } finally {
    await session.release();
  }
  rows.push(
    await withChild(
      () => spawnService({ name: 'echo', script: ECHO_SCRIPT }),
      (echo) => grpcRow(model, concurrency, 'grpc-echo', echo.address, [bench, { process: 'echo', pid: echo.child.pid! }], options),
    ),
  );
  for (const benchPath of ['runner-direct', 'gateway'] as const) {
    rows.push(
      await withChild(
        () => startBenchMesh({ modelRepository: repository }),
        (mesh) => {
          const runner: Involved = { process: 'runner', pid: mesh.runner.child.pid! };
          const gateway: Involved = { process: 'gateway', pid: mesh.gatewayProcess.child.pid! };
          return benchPath === 'gateway'
            ? grpcRow(model, concurrency, benchPath, mesh.gateway, [bench, gateway, runner], options)
            : grpcRow(model, concurrency, benchPath, mesh.runner.address, [bench, runner], options);
        },
      ),
    );
  }
  return rows;
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const startedAt = new Date().toISOString();
  const repository = path.resolve('.infermesh', 'models');
  const models = benchModels();
  for (const model of models) {
    if (!existsSync(path.join(repository, model.name, model.version, 'model.onnx'))) {
      throw new UsageError(`no model '${model.name}' in ${repository}: run node cli/dist/main.js examples .infermesh/models from the repository root first`);
    }
  }
  const machine = machineInfo();
  const rows: BenchRow[] = [];
  for (const model of models) {
    for (const concurrency of CONCURRENCIES) rows.push(...(await rowsFor(repository, model, concurrency, options)));
  }
  const batching: BatchingSummary = await batchingRows(repository, options);
  rows.push(...batching.rows);
  const tracing = await tracingRows(repository, models.find((m) => m.name === 'mlp')!, options);
  rows.push(...tracing.rows);
  console.log(formatTable(rows));
  console.log(
    `dynamic batching on heavy, concurrency 64: ${batching.speedupOverUnbatched.toFixed(2)}× the unbatched throughput; ` +
      `${(batching.shareOfInProcess * 100).toFixed(0)} % of in-process onnxruntime at the batch size formed (mean ${batching.meanBatch.toFixed(1)} rows per execution)`,
  );
  console.log(
    `tracing on mlp through the gateway, concurrency 64: ${(tracing.throughputRatio * 100).toFixed(0)} % of the untraced throughput ` +
      `with sampler always_on and ${tracing.spansExported} spans exported over OTLP/HTTP`,
  );
  console.log(`(peak RSS: children's VmHWM per row; bench is its maxRSS so far, cumulative over the run. CPU: all threads, per request, in the measured window)`);
  console.log(`${machineLine(machine)}; ${options.warmupSeconds} s warm-up, ${options.measureSeconds} s measured per row`);
  const file = await writeReport(RESULTS_DIR, {
    startedAt,
    machine,
    warmupSeconds: options.warmupSeconds,
    measureSeconds: options.measureSeconds,
    rows,
    batching: { meanBatch: batching.meanBatch, speedupOverUnbatched: batching.speedupOverUnbatched, shareOfInProcess: batching.shareOfInProcess },
    tracing: { throughputRatio: tracing.throughputRatio, spansExported: tracing.spansExported },
  });
  console.log(`results: ${file}`);
}

const stopAll = () => Promise.all([...running].map((child) => child.stop()));
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void stopAll().finally(() => process.exit(130)));
}
try {
  await main();
  process.exitCode = 0;
} catch (error) {
  const detail = error instanceof UsageError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`bench failed: ${detail}\n`);
  process.exitCode = 1;
} finally {
  await stopAll();
}
process.exit(process.exitCode);
