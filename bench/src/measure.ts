/** How every benchmark row is measured, and the child processes a run must stop on the way out. */
import { closedLoop } from './load.js';
import type { BenchPath, BenchRow } from './report.js';
import { cpuTimeMs, mainThreadCpuTimeMs, peakRssMiB } from './rss.js';

/** Warm-up and measured window of a row. */
export interface Window {
  warmupSeconds: number;
  measureSeconds: number;
}

/** A process a row involves, by label. */
export interface Involved {
  process: string;
  pid: number;
}

/** Children running now, stopped on the way out whatever happens. */
export const running = new Set<{ stop(): Promise<void> }>();

/** The longer of the run's window and a section's minimum, field by field. */
export function atLeast(window: Window, minimum: Window): Window {
  return {
    warmupSeconds: Math.max(window.warmupSeconds, minimum.warmupSeconds),
    measureSeconds: Math.max(window.measureSeconds, minimum.measureSeconds),
  };
}

/** Drives `call` and makes the row, with each involved process's CPU per request and peak RSS. */
export async function measure(model: string, concurrency: number, benchPath: BenchPath, involved: Involved[], call: () => Promise<void>, window: Window): Promise<BenchRow> {
  const cpu = (into: Map<number, [number, number]>) => () => involved.forEach(({ pid }) => into.set(pid, [cpuTimeMs(pid), mainThreadCpuTimeMs(pid)]));
  const cpuStart = new Map<number, [number, number]>();
  const cpuEnd = new Map<number, [number, number]>();
  const perRequestUs = (pid: number, field: 0 | 1, requests: number) => ((cpuEnd.get(pid)![field] - cpuStart.get(pid)![field]) * 1000) / requests;
  const result = await closedLoop(call, {
    concurrency,
    warmupMs: window.warmupSeconds * 1000,
    measureMs: window.measureSeconds * 1000,
    onMeasureStart: cpu(cpuStart),
    onMeasureEnd: cpu(cpuEnd),
  });
  const processes = involved.map(({ process, pid }) => ({
    process,
    pid,
    peakRssMiB: peakRssMiB(pid),
    cpuUsPerRequest: perRequestUs(pid, 0, result.requests),
    mainThreadCpuUsPerRequest: perRequestUs(pid, 1, result.requests),
  }));
  const row: BenchRow = { model, concurrency, path: benchPath, ...result, processes };
  process.stderr.write(`${model} c=${concurrency} ${benchPath}: ${row.throughput.toFixed(0)} req/s, p50 ${row.p50Ms.toFixed(3)} ms\n`);
  return row;
}

/** Starts a child, keeps it on the cleanup list while `use` runs, then stops it. */
export async function withChild<T extends { stop(): Promise<void> }, R>(start: () => Promise<T>, use: (child: T) => Promise<R>): Promise<R> {
  const child = await start();
  running.add(child);
  try {
    return await use(child);
  } finally {
    running.delete(child);
    await child.stop();
  }
}
