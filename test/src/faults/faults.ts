/**
 * The faults of `npm run test:faults`, each dealt to the running local mesh while an external
 * client process calls `simple` at c=8: what was killed, how many calls, how many failed, how
 * many answered calls have no prediction record in the sink's jsonl destination, and how long
 * until the killed part was back.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { pollUntil, RunnerProbe } from '@infermesh/testkit';
import type { CallerReport } from './caller.js';
import type { LocalMesh, ServiceName } from './local-mesh.js';
import { jsonlRequestIds } from './records.js';

/** One fault's figures. */
export interface FaultRow {
  fault: string;
  /** Calls the client sent. */
  calls: number;
  failed: number;
  /** Answered calls whose prediction record never reached the destination. */
  lost: number;
  /** From the kill until the killed part served again. */
  recoverMs: number;
  /** Failures by status, leftovers, anything else worth reading. */
  note: string;
  /** Whether the fault kept the promises it must keep. */
  ok: boolean;
}

/** A fault: what to kill, when it is over, and whether calls may fail meanwhile. */
export interface Fault {
  name: string;
  /** The pids to SIGKILL. */
  victims(mesh: LocalMesh): number[];
  /** True once what was killed serves again. */
  recovered(mesh: LocalMesh, killed: number[], killedAt: number): Promise<boolean>;
  /** Calls may fail while it is down (nothing else serves in its place). */
  callsMayFail: boolean;
  /** The runners must be gone with it (no orphan keeps a runner port). */
  takesRunners?: boolean;
}

const CONCURRENCY = 8;
/** Calls answered before the kill, and again after the recovery, so that both sides are under load. */
const ANSWERED_AROUND_FAULT = 300;
const RECOVERY_TIMEOUT_MS = 120_000;
/** How long answered calls' records may take to reach the destination (the sink restarting included). */
const DELIVERY_TIMEOUT_MS = 60_000;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Every runner of the mesh answers ModelReady('simple'). */
async function runnersServe(mesh: LocalMesh): Promise<boolean> {
  const probes = mesh.runners.map((address) => new RunnerProbe(address));
  try {
    return (await Promise.all(probes.map((probe) => probe.modelReady('simple').catch(() => false)))).every(Boolean);
  } finally {
    for (const probe of probes) probe.close();
  }
}

/** `up` said `service` is back since `killedAt`, and it runs as a new process. */
function serviceBack(mesh: LocalMesh, service: ServiceName, killed: number[], killedAt: number): boolean {
  const said = mesh.events.some((event) => event.at > killedAt && event.line.startsWith(`infermesh: ${service} is back on`));
  return said && mesh.pidsOf(service).some((pid) => !killed.includes(pid));
}

const killService = (service: ServiceName, callsMayFail: boolean): Fault => ({
  name: `kill -9 ${service}`,
  victims: (mesh) => mesh.pidsOf(service),
  recovered: async (mesh, killed, killedAt) => serviceBack(mesh, service, killed, killedAt),
  callsMayFail,
});

export const faults: Fault[] = [
  {
    name: 'kill -9 runner (1 of 2)',
    victims: (mesh) => mesh.runnerPids().slice(0, 1),
    recovered: async (mesh, killed) => mesh.runnerPids().filter((pid) => !killed.includes(pid)).length === 2 && (await runnersServe(mesh)),
    callsMayFail: false,
  },
  {
    // Both runners die with it (nothing serves until the new supervisor's runners load).
    ...killService('supervisor', true),
    takesRunners: true,
    recovered: async (mesh, killed, killedAt) => serviceBack(mesh, 'supervisor', killed, killedAt) && mesh.runnerPids().length === 2 && (await runnersServe(mesh)),
  },
  killService('registry', false),
  killService('sink', false),
];

/** Runs the client until the fault is dealt and over, and counts. */
export async function runFault(mesh: LocalMesh, fault: Fault): Promise<FaultRow> {
  const prefix = fault.name.replace(/[^a-z0-9]+/gi, '-');
  const caller = spawn(process.execPath, [fileURLToPath(new URL('./caller.js', import.meta.url)), mesh.gateway, 'simple', String(CONCURRENCY), prefix], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let answered = 0;
  let report: CallerReport | undefined;
  createInterface({ input: caller.stdout! }).on('line', (line) => {
    if (line.startsWith('progress ')) answered = Number(line.slice('progress '.length));
    else if (line.startsWith('{')) report = JSON.parse(line) as CallerReport;
  });
  const exited = new Promise((resolve) => caller.once('exit', resolve));
  /** What went wrong: any makes the fault fail. */
  const problems: string[] = [];
  const notes: string[] = [];
  let recoverMs = Number.NaN;
  try {
    await pollUntil(() => answered >= ANSWERED_AROUND_FAULT, { timeoutMs: 120_000, what: `${ANSWERED_AROUND_FAULT} answered calls before the fault` });
    const runnersBefore = mesh.runnerPids();
    const killed = fault.victims(mesh);
    if (killed.length === 0) throw new Error(`${fault.name}: nothing to kill`);
    const killedAt = performance.now();
    for (const pid of killed) process.kill(pid, 'SIGKILL');
    recoverMs = await pollUntil(() => fault.recovered(mesh, killed, killedAt), { timeoutMs: RECOVERY_TIMEOUT_MS, what: `recovery from ${fault.name}`, intervalMs: 50 });
    const orphans = fault.takesRunners ? runnersBefore.filter(alive) : [];
    if (orphans.length > 0) problems.push(`runners of the killed process still alive: ${orphans.join(' ')}`);
    const after = answered;
    await pollUntil(() => answered >= after + ANSWERED_AROUND_FAULT, { timeoutMs: 120_000, what: `${ANSWERED_AROUND_FAULT} answered calls after the recovery` });
  } catch (error) {
    problems.push((error as Error).message);
  } finally {
    caller.stdin!.end('stop\n');
    await exited;
  }
  if (!report) throw new Error(`${fault.name}: the client process gave no report`);
  const failed = Object.values(report.failed).reduce((sum, count) => sum + count, 0);
  for (const [code, count] of Object.entries(report.failed)) notes.push(`${count} ${code} (${report.examples[code]})`);
  if (failed > 0 && !fault.callsMayFail) problems.push(`${failed} calls failed`);

  // Every answered call's record, delivered by the sink (which may just have restarted).
  const want = report.answered;
  let missing = want;
  await pollUntil(
    async () => {
      const delivered = new Set(await jsonlRequestIds(mesh.predictionsDir, `${prefix}-`));
      missing = want.filter((id) => !delivered.has(id));
      return missing.length === 0;
    },
    { timeoutMs: DELIVERY_TIMEOUT_MS, intervalMs: 500, what: 'the records of answered calls' },
  ).catch(() => problems.push(`${missing.length} answered calls without a record after ${DELIVERY_TIMEOUT_MS} ms`));
  if (!mesh.upRunning()) problems.push('infermesh up stopped');

  const ok = problems.length === 0;
  notes.unshift(...problems);
  return { fault: fault.name, calls: report.sent, failed, lost: missing.length, recoverMs: Math.round(recoverMs), note: notes.join('; '), ok };
}
