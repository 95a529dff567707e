/** The resident memory of a process, read as `ps` would: VmRSS from /proc/<pid>/status. */
import { readFileSync } from 'node:fs';

/** VmRSS of `pid` in MiB; undefined when the process is gone. */
export function rssMiB(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}
