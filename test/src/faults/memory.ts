/**
 * The suite's memory run: an external client process calls `simple` at c=64 until 200,000
 * calls are answered (or a time bound is reached, said in the report), while the RSS of every
 * process of the mesh (gateway, supervisor, runners, registry, sink, receiver) and of the
 * client is sampled each second. Start is sampled once the first calls warmed the processes up.
 * A run cut short by the time bound says so in its `answered` count; it is not a failure
 * (how many calls fit depends on the machine), failed calls and lost records are.
 */
import { pollUntil } from '@infermesh/testkit';
import { startCaller } from './caller-process.js';
import type { LocalMesh } from './local-mesh.js';
import { missingRecords } from './records.js';
import { rssMiB } from '../harness/process-rss.js';

export const MEMORY_CALLS = 200_000;
const CONCURRENCY = 64;
/** The run stops here even short of MEMORY_CALLS, so that the suite keeps to its time. */
const MAX_RUN_MS = 300_000;
/** Calls answered before the start sample (JIT, pools and buffers warmed). */
const WARM_UP_CALLS = 2_000;
const SAMPLE_EVERY_MS = 1_000;
const DELIVERY_TIMEOUT_MS = 60_000;

/** One process's RSS over the run, in MiB. */
export interface MemoryRow {
  process: string;
  startMiB: number;
  peakMiB: number;
  endMiB: number;
  growthPercent: number;
}

export interface MemoryRun {
  rows: MemoryRow[];
  answered: number;
  failed: number;
  lost: number;
  seconds: number;
  /** Anything that breaks the run's promises: failed calls, lost records, a process that exited. */
  problems: string[];
}

export async function runMemory(mesh: LocalMesh): Promise<MemoryRun> {
  const prefix = 'memory';
  const caller = startCaller([mesh.gateway], CONCURRENCY, prefix);
  const problems: string[] = [];
  const one = (pids: number[], what: string) => {
    if (pids.length !== 1) throw new Error(`memory run: expected one ${what} process, found ${pids.length}`);
    return pids[0]!;
  };
  const [runner0, runner1] = mesh.runnerPids();
  const pids: Record<string, number> = {
    gateway: one(mesh.pidsOf('gateway'), 'gateway'),
    supervisor: one(mesh.pidsOf('supervisor'), 'supervisor'),
    'runner A': runner0!,
    'runner B': runner1!,
    registry: one(mesh.pidsOf('registry'), 'registry'),
    sink: one(mesh.pidsOf('sink'), 'sink'),
    receiver: mesh.receiver.pid!,
    client: caller.pid,
  };
  const samples = new Map<string, number[]>(Object.keys(pids).map((name) => [name, []]));
  const sample = () => {
    for (const [name, pid] of Object.entries(pids)) {
      const rss = rssMiB(pid);
      if (rss === undefined) problems.push(`${name} (pid ${pid}) exited during the run`);
      else samples.get(name)!.push(rss);
    }
  };
  let report;
  let started = 0;
  let timer: NodeJS.Timeout | undefined;
  try {
    await pollUntil(() => caller.answered() >= WARM_UP_CALLS, { timeoutMs: 120_000, what: `${WARM_UP_CALLS} warm-up calls` });
    started = performance.now();
    sample();
    timer = setInterval(sample, SAMPLE_EVERY_MS);
    await pollUntil(() => caller.answered() >= MEMORY_CALLS || performance.now() - started > MAX_RUN_MS, { timeoutMs: MAX_RUN_MS + 60_000, what: `${MEMORY_CALLS} calls` });
  } finally {
    clearInterval(timer);
    sample();
    report = await caller.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  const failed = Object.values(report.failed).reduce((sum, count) => sum + count, 0);
  if (failed > 0) problems.push(`${failed} calls failed: ${JSON.stringify(report.failed)}`);
  const lost = await missingRecords(mesh, prefix, report.answered, DELIVERY_TIMEOUT_MS);
  if (lost.length > 0) problems.push(`${lost.length} answered calls without a record`);
  const rows = [...samples].map(([name, values]) => {
    const start = values[0] ?? Number.NaN;
    const end = values.at(-1) ?? Number.NaN;
    return { process: name, startMiB: start, peakMiB: Math.max(...values), endMiB: end, growthPercent: ((end - start) / start) * 100 };
  });
  return { rows, answered: report.answered.length, failed, lost: lost.length, seconds, problems: [...new Set(problems)] };
}
