/** The benchmark's JSON file: everything one run measured and judged. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ShadowRounds } from './shadow-rounds.js';
import type { AlternatingRounds } from './alternating.js';
import type { ForwardingComparison, RunnerCallsComparison } from './forwarding-comparison.js';
import type { TargetResult } from './performance-targets.js';
import type { BenchRow, MachineInfo } from './report.js';
import type { RssGrowth } from './rss-growth.js';

/** Everything the JSON file holds. */
export interface BenchReport {
  startedAt: string;
  machine: MachineInfo;
  warmupSeconds: number;
  measureSeconds: number;
  rows: BenchRow[];
  /** Dynamic batching on heavy at concurrency 64: ratios of throughput. */
  batching?: { meanBatch: number; speedupOverUnbatched: number; shareOfInProcess: number };
  /** Spans exported by the gateway-traced row's mesh, its readiness probe and shutdown flush included. */
  tracing?: { spansExported: number };
  /**
   * The gateway's forwarding designs on simple: which one the main gateway rows use, http2
   * against grpc-js, and on http2 the Exchange stream against a stream per runner call, per concurrency.
   */
  forwarding?: { mainRows: 'grpc-js' | 'http2'; comparisons: ForwardingComparison[]; runnerCalls?: RunnerCallsComparison[] };
  /** The alternating section: echo, forwarder, runner direct, gateway and gateway with the SDK disabled, measured in turn, per concurrency. */
  alternating?: AlternatingRounds[];
  /** mlp's p50 with a 100 % shadow over without, per alternating round, with its median and spread. */
  shadow?: Pick<ShadowRounds, 'concurrency' | 'p50Ratio' | 'noiseRatio' | 'copies'>;
  /** The gateway's RSS over the long run. */
  longRun?: RssGrowth;
  /** The targets, judged from this run. */
  targets?: TargetResult[];
}

/** Writes the report as `bench-<ISO timestamp>.json` in `dir` (created if missing); returns the file's path. */
export async function writeReport(dir: string, report: BenchReport): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `bench-${report.startedAt.replace(/:/g, '-')}.json`);
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}
