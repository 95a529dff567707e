/** Benchmark entry: ORT in process vs a bare gRPC echo vs a raw http2 forwarder vs runner direct vs through the gateway, per model and concurrency. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { batchingRows, type BatchingSummary } from './batching.js';
import { hopRows } from './hop-rows.js';
import { tracingRows } from './tracing.js';
import { running, type Window } from './measure.js';
import { formatTable, machineInfo, machineLine, writeReport, type BenchRow } from './report.js';
import { benchModels } from './targets.js';

const CONCURRENCIES = [1, 64];
const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url));
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
    for (const concurrency of CONCURRENCIES) rows.push(...(await hopRows(repository, model, concurrency, options)));
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
