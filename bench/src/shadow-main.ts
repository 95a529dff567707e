/**
 * The shadow section alone (shadow-rounds.ts), for a quick look without the whole bench:
 * `node bench/dist/shadow-main.js [--warmup <s>] [--seconds <s>] [--quick] [--rounds <n>] [--concurrency <n>]`
 * from the repository root, after `infermesh examples .infermesh/models`.
 */
import path from 'node:path';
import { running } from './measure.js';
import { parseArgs, UsageError } from './options.js';
import { machineInfo, machineLine } from './report.js';
import { formatShadowRounds, shadowRounds } from './shadow-rounds.js';
import { benchModels } from './targets.js';

/** Takes `--name <n>` (a whole number ≥ 1) out of `argv`; `fallback` when absent. */
function takeCount(argv: string[], name: string, fallback: number): number {
  const at = argv.indexOf(name);
  if (at < 0) return fallback;
  const value = Number(argv[at + 1]);
  if (!Number.isInteger(value) || value < 1) throw new UsageError(`${name} needs a whole number of at least 1`);
  argv.splice(at, 2);
  return value;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const rounds = takeCount(argv, '--rounds', 5);
  const concurrency = takeCount(argv, '--concurrency', 8);
  const options = parseArgs(argv);
  const mlp = benchModels().find((model) => model.name === 'mlp')!;
  const result = await shadowRounds(path.resolve('.infermesh', 'models'), mlp, concurrency, options, rounds);
  console.log(formatShadowRounds(result));
  console.log(`${machineLine(machineInfo())}; ${options.warmupSeconds} s warm-up, ${options.measureSeconds} s measured per row`);
}

try {
  await main();
} catch (error) {
  process.stderr.write(`bench failed: ${error instanceof UsageError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
} finally {
  await Promise.all([...running].map((child) => child.stop()));
}
process.exit(process.exitCode ?? 0);
