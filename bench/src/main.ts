/**
 * Benchmark entry: in-process onnxruntime, a bare grpc-js echo, a raw http2 forwarder in front
 * of it, a runner called directly and the gateway in front of it, side by side, the runner and
 * the gateway in a mesh like `npm start`'s (bench-mesh.ts); then tracing, the gateway's two
 * forwarding designs, alternating rounds of the paths the targets compare (alternating.ts),
 * payload size, dynamic batching and the gateway's memory over a long run; then the issue's
 * targets judged from this run. It reports: FAILed targets do not fail
 * the process.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { alternatingRounds, formatAlternating, ROUNDS } from './alternating.js';
import { batchingRows } from './batching.js';
import { defaultForwarding } from './bench-mesh-config.js';
import { compareForwarding, compareRunnerCalls, formatForwarding, formatRunnerCalls } from './forwarding-comparison.js';
import { forwardingRows } from './forwarding-rows.js';
import { hopRows } from './hop-rows.js';
import { running, type Window } from './measure.js';
import { longRunWarmupCalls, parseArgs, UsageError } from './options.js';
import { PAYLOAD_CONCURRENCY, payloadRows } from './payload-rows.js';
import { formatTargets, judgeTargets } from './performance-targets.js';
import { writeReport } from './json-report.js';
import { formatTable, machineInfo, machineLine, type BenchRow } from './report.js';
import { rssGrowth } from './rss-growth.js';
import { formatShadowRounds, shadowRounds } from './shadow-rounds.js';
import { benchModels } from './targets.js';
import { tracedRow } from './tracing.js';

const CONCURRENCIES = [1, 64];
/** Callers of the shadow section: a few, so the shadow's copies have a share of an idle moment. */
const SHADOW_CONCURRENCY = 8;
/** The tracing rows compare with the main gateway row at this concurrency. */
const TRACING_CONCURRENCY = 64;
const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url));
/** Every model a section sends to. */
const MODELS_NEEDED = ['simple', 'mlp', 'strings', 'heavy'];

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const window: Window = { warmupSeconds: options.warmupSeconds, measureSeconds: options.measureSeconds };
  const startedAt = new Date().toISOString();
  const repository = path.resolve('.infermesh', 'models');
  for (const name of MODELS_NEEDED) {
    if (!existsSync(path.join(repository, name))) {
      throw new UsageError(`no model '${name}' in ${repository}: run node cli/dist/main.js examples .infermesh/models from the repository root first`);
    }
  }
  const models = benchModels();
  const simple = models.find((m) => m.name === 'simple')!;
  const machine = machineInfo();
  const rows: BenchRow[] = [];
  let spansExported = 0;
  for (const model of models) {
    for (const concurrency of CONCURRENCIES) rows.push(...(await hopRows(repository, model, concurrency, window)));
    if (model === simple) {
      // Right after the main rows they compare with, in the same window, so little drifts in between.
      const tracing = await tracedRow(repository, simple, TRACING_CONCURRENCY, window);
      rows.push(tracing.row);
      spansExported = tracing.spansExported;
      rows.push(...(await forwardingRows(repository, simple, [...CONCURRENCIES].reverse(), window)));
    }
  }
  // Each path gets ROUNDS windows of half the row window, back to back with the others'.
  const roundWindow: Window = { warmupSeconds: window.warmupSeconds / 2, measureSeconds: window.measureSeconds / 2 };
  const alternating = await alternatingRounds(repository, simple, [...CONCURRENCIES].reverse(), roundWindow, ROUNDS);
  // mlp with and without a 100 % shadow, in alternating rounds on one mesh.
  const mlp = models.find((m) => m.name === 'mlp')!;
  const shadow = await shadowRounds(repository, mlp, SHADOW_CONCURRENCY, roundWindow, ROUNDS);
  rows.push(...shadow.rounds.flatMap((round) => [round.without, round.with]));
  rows.push(...(await payloadRows(repository, window)));
  const batching = await batchingRows(repository, window);
  rows.push(...batching.rows);
  const longRun = await rssGrowth(repository, simple, options.longRunCalls, longRunWarmupCalls(options.longRunCalls));
  const targets = judgeTargets({ rows, alternating, batching, rssGrowth: longRun });
  const forwarding = { mainRows: defaultForwarding(), comparisons: compareForwarding(rows, simple.name), runnerCalls: compareRunnerCalls(rows, simple.name) };

  console.log(formatTable(rows));
  console.log(
    `(peak RSS: children's VmHWM per row; bench is its maxRSS so far, cumulative over the run. CPU: per call in the measured window, ` +
      `all threads, the main thread alone in brackets. Payload rows: strings at c=${PAYLOAD_CONCURRENCY}, one BYTES element of that many raw bytes each way. ` +
      `heavy rows are rows/s; batching and the long run keep their own minimum windows)`,
  );
  console.log(
    `dynamic batching on heavy, c=64: mean ${batching.meanBatch.toFixed(1)} rows per execution; ` +
      `tracing: ${spansExported} spans exported by the gateway-traced row's mesh, its readiness probe and shutdown flush included; ` +
      `long run: ${longRun.calls} calls in ${longRun.seconds.toFixed(0)} s after ${longRun.warmupCalls} warm-up, gateway RSS ${longRun.startRssMiB.toFixed(1)} → ${longRun.endRssMiB.toFixed(1)} MiB`,
  );
  console.log(formatForwarding(forwarding.comparisons, forwarding.mainRows));
  console.log(formatRunnerCalls(forwarding.runnerCalls));
  console.log(formatAlternating(alternating));
  console.log(formatShadowRounds(shadow));
  console.log('');
  console.log(formatTargets(targets));
  console.log('');
  console.log(`${machineLine(machine)}; ${options.warmupSeconds} s warm-up, ${options.measureSeconds} s measured per row`);
  const file = await writeReport(RESULTS_DIR, {
    startedAt,
    machine,
    warmupSeconds: options.warmupSeconds,
    measureSeconds: options.measureSeconds,
    rows,
    batching: { meanBatch: batching.meanBatch, speedupOverUnbatched: batching.speedupOverUnbatched, shareOfInProcess: batching.shareOfInProcess },
    tracing: { spansExported },
    alternating,
    shadow: { concurrency: shadow.concurrency, p50Ratio: shadow.p50Ratio, noiseRatio: shadow.noiseRatio, copies: shadow.copies },
    forwarding,
    longRun,
    targets,
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
