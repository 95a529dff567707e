/** Per-process resource readers for the benchmark: RSS and CPU time of the bench process and its children (Linux). */
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const USER_HZ = 100;

/**
 * Peak resident set size in MiB: for this process getrusage's maxRSS (a high-water mark over
 * its whole life), for a child VmHWM from /proc/<pid>/status (read it before stopping the child).
 */
export function peakRssMiB(pid: number): number {
  if (pid === process.pid) return process.resourceUsage().maxRSS / 1024;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
  if (!match) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(match[1]) / 1024;
}

/** Resident set size now, in MiB (VmRSS). */
export function rssMiB(pid: number): number {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]) / 1024;
}

/** utime + stime of a /proc stat line, in ms. */
function statCpuMs(stat: string): number {
  // Fields after "(comm)": state is field 3, utime field 14, stime field 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / USER_HZ;
}

/** CPU time (user + system, all threads) a process has used so far, in ms. */
export function cpuTimeMs(pid: number): number {
  if (pid === process.pid) {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1000;
  }
  return statCpuMs(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

/**
 * CPU time of a process's main thread (the one running its JavaScript event loop, whose
 * thread id is the pid) so far, in ms: without the worker, libuv pool and GC helper threads.
 */
export function mainThreadCpuTimeMs(pid: number): number {
  return statCpuMs(readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8'));
}
