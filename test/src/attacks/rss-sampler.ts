/**
 * Peak resident memory of the mesh's processes while an attack runs: VmRSS from
 * /proc/<pid>/status, sampled every few milliseconds, and whether each process the attack
 * started with is still the same process at its end (a crash, or a restart by `up`, is not).
 */
import { rssMiB } from '../harness/process-rss.js';

/** A process to watch, by the name the table gives it. */
export interface WatchedProcess {
  label: string;
  pid: number;
}

/** What one attack did to the processes. */
export interface MemoryReport {
  /** Peak VmRSS in MiB by label, and VmRSS at the start. */
  peakMiB: Record<string, number>;
  startMiB: Record<string, number>;
  /** Labels of processes that were gone (or replaced) by the end. */
  died: string[];
}

const SAMPLE_MS = 20;

/** Runs `attack` while sampling the processes `list()` names at its start. */
export async function watchMemory<T>(list: () => WatchedProcess[], attack: () => Promise<T>): Promise<{ result: T; memory: MemoryReport }> {
  const watched = list();
  const memory: MemoryReport = { peakMiB: {}, startMiB: {}, died: [] };
  const sample = () => {
    for (const { label, pid } of watched) {
      const rss = rssMiB(pid);
      if (rss !== undefined) memory.peakMiB[label] = Math.max(memory.peakMiB[label] ?? 0, rss);
    }
  };
  for (const { label, pid } of watched) memory.startMiB[label] = rssMiB(pid) ?? 0;
  sample();
  const timer = setInterval(sample, SAMPLE_MS);
  try {
    const result = await attack();
    sample();
    const now = new Set(list().map(({ pid }) => pid));
    memory.died = watched.filter(({ pid }) => !now.has(pid) || rssMiB(pid) === undefined).map(({ label }) => label);
    return { result, memory };
  } finally {
    clearInterval(timer);
  }
}
