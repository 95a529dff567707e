/** Benchmark output: the rows' types, the plain-text table and the machine line. */
import os from 'node:os';
import type { LoadResult } from './load.js';

/** The ways a request can be served, from the floor up. */
export type BenchPath =
  | 'ort-inprocess'
  | 'grpc-echo'
  | 'http2-forwarder'
  | 'runner-direct'
  | 'runner-batched'
  | 'gateway'
  | 'gateway-grpc-js'
  | 'gateway-http2'
  | 'gateway-http2-streams'
  | 'gateway-sdk-disabled'
  | 'gateway-traced'
  | 'gateway-shadow';

/** One process involved in a row. */
export interface ProcessStats {
  /** bench, runner, gateway, sink, registry, echo or forwarder. */
  process: string;
  pid: number;
  peakRssMiB: number;
  /** CPU time (all threads) the process spent per answered request in the measured window. */
  cpuUsPerRequest: number;
  /** The same for the main thread alone (the event loop: no worker, libuv pool or GC helper threads). */
  mainThreadCpuUsPerRequest: number;
}

/** One measured (model, concurrency, path). */
export interface BenchRow extends LoadResult {
  model: string;
  concurrency: number;
  path: BenchPath;
  /** Size of the one tensor's raw contents, on the payload rows. */
  payloadBytes?: number;
  processes: ProcessStats[];
}

/** The machine the numbers come from. */
export interface MachineInfo {
  cores: number;
  cpuModel: string;
  node: string;
  platform: string;
  release: string;
  totalMemMiB: number;
}

/** Describes this machine. */
export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cores: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    node: process.version,
    platform: os.platform(),
    release: os.release(),
    totalMemMiB: Math.round(os.totalmem() / 2 ** 20),
  };
}

/** One line naming the machine. */
export function machineLine(machine: MachineInfo): string {
  return `machine: ${machine.cores} cores, ${machine.cpuModel}, node ${machine.node}, ${machine.platform} ${machine.release}, ${machine.totalMemMiB} MiB RAM`;
}

/** A number with `digits` decimals, or "-" when it is not finite. */
export const fixed = (value: number, digits: number): string => (Number.isFinite(value) ? value.toFixed(digits) : '-');

/** 1024 → "1 KiB", 1048576 → "1 MiB". */
export function sizeLabel(bytes: number): string {
  return bytes >= 2 ** 20 ? `${bytes / 2 ** 20} MiB` : bytes >= 1024 ? `${bytes / 1024} KiB` : `${bytes} B`;
}

/** Lines of text cells as an aligned table; columns in `numeric` right-aligned. */
export function alignedTable(header: readonly string[], cells: readonly (readonly string[])[], numeric: ReadonlySet<number>): string {
  const widths = header.map((title, i) => Math.max(title.length, ...cells.map((line) => line[i]!.length)));
  const format = (line: readonly string[]) =>
    line.map((cell, i) => (numeric.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd();
  return [format(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(format)].join('\n');
}

/** The rows as an aligned plain-text table. */
export function formatTable(rows: readonly BenchRow[]): string {
  const header = ['model', 'conc', 'path', 'req/s', 'p50 ms', 'p99 ms', 'peak RSS MiB', 'CPU µs/req (main thread)'];
  const cells = rows.map((row) => [
    row.payloadBytes === undefined ? row.model : `${row.model} ${sizeLabel(row.payloadBytes)}`,
    String(row.concurrency),
    row.path,
    fixed(row.throughput, 0),
    fixed(row.p50Ms, 3),
    fixed(row.p99Ms, 3),
    row.processes.map((p) => `${p.process} ${fixed(p.peakRssMiB, 0)}`).join(', '),
    row.processes.map((p) => `${p.process} ${fixed(p.cpuUsPerRequest, 0)} (${fixed(p.mainThreadCpuUsPerRequest, 0)})`).join(', '),
  ]);
  return alignedTable(header, cells, new Set([1, 3, 4, 5]));
}
