/**
 * Runs one fault of faults.ts against the local mesh: an external client process calls
 * `simple` until enough calls were answered, the fault is dealt, the mesh recovers, and enough
 * calls are answered again; then it counts failed calls and answered calls without a record.
 */
import { pollUntil } from '@infermesh/testkit';
import { startCaller } from './caller-process.js';
import type { Fault } from './faults.js';
import type { LocalMesh } from './local-mesh.js';
import { missingRecords } from './records.js';

/** One fault's figures. */
export interface FaultRow {
  fault: string;
  /** Calls the client sent. */
  calls: number;
  failed: number;
  /** Answered calls whose prediction record never reached a destination. */
  lost: number;
  /** From the fault until the mesh served as before. */
  recoverMs: number;
  /** Failures by status, stalls, anything else worth reading. */
  note: string;
  /** Whether the fault kept the promises it must keep. */
  ok: boolean;
}

/** Calls answered before the fault, and again after the recovery, so that both sides are under load. */
const ANSWERED_AROUND_FAULT = 300;
const RECOVERY_TIMEOUT_MS = 120_000;
/** How long answered calls' records may take to reach the destinations (the sink or the receiver restarting included). */
const DELIVERY_TIMEOUT_MS = 60_000;
/** The same where records may be lost: those still missing after it are counted as lost. */
const LOSS_TIMEOUT_MS = 15_000;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Runs the client until the fault is dealt and over, and counts. */
export async function runFault(mesh: LocalMesh, fault: Fault): Promise<FaultRow> {
  const prefix = fault.name.replace(/[^a-z0-9]+/gi, '-');
  const setup = await fault.setup?.(mesh);
  const caller = startCaller(setup?.gateways ?? [mesh.gateway], fault.concurrency, prefix);
  /** What went wrong: any makes the fault fail. */
  const problems: string[] = [];
  const notes: string[] = [];
  let recoverMs = Number.NaN;
  let report;
  try {
    try {
      await pollUntil(() => caller.answered() >= ANSWERED_AROUND_FAULT, { timeoutMs: 120_000, what: `${ANSWERED_AROUND_FAULT} answered calls before the fault` });
      const runnersBefore = mesh.runnerPids();
      const dealt = await fault.deal(mesh, { open: () => caller.tell('mark'), openAtFailure: () => caller.tell('mark-at-failure'), close: () => caller.tell('unmark') });
      if (dealt.note) notes.push(dealt.note);
      await pollUntil(() => fault.recovered(mesh, dealt), { timeoutMs: RECOVERY_TIMEOUT_MS, what: `recovery from ${fault.name}`, intervalMs: 50 });
      recoverMs = performance.now() - dealt.at;
      const orphans = fault.takesRunners ? runnersBefore.filter(alive) : [];
      if (orphans.length > 0) problems.push(`runners of the killed process still alive: ${orphans.join(' ')}`);
      const after = caller.answered();
      await pollUntil(() => caller.answered() >= after + ANSWERED_AROUND_FAULT, { timeoutMs: 120_000, what: `${ANSWERED_AROUND_FAULT} answered calls after the recovery` });
    } catch (error) {
      problems.push((error as Error).message);
    } finally {
      report = await caller.stop();
    }
  } finally {
    await setup?.close();
  }
  const failed = Object.values(report.failed).reduce((sum, count) => sum + count, 0);
  for (const [code, count] of Object.entries(report.failed)) notes.push(`${count} ${code} (${report.examples[code]})`);
  const window = report.window;
  if (fault.mayFail === 'none' && failed > 0) problems.push(`${failed} calls failed`);
  if (fault.mayFail === 'in flight') {
    // No window: no call failed at all.
    if (window && window.failed > 0) problems.push(`${window.failed} calls started after the client saw the fault failed`);
    if (failed > fault.concurrency) problems.push(`${failed} calls failed, more than the ${fault.concurrency} that can have been in flight`);
    else notes.push(`${failed} failed calls were in flight on what was killed, ${window?.failed ?? 0} of ${window?.calls ?? 0} started after the client saw it failed`);
  }
  if (window && fault.mayFail !== 'in flight') notes.push(`calls started meanwhile: ${window.calls}, p99 ${window.p99Ms} ms, longest ${window.maxMs} ms`);
  notes.push(`longest call ${report.maxMs} ms`);

  const lost = await missingRecords(mesh, prefix, report.answered, fault.mayLoseRecords ? LOSS_TIMEOUT_MS : DELIVERY_TIMEOUT_MS);
  if (lost.length > 0 && !fault.mayLoseRecords) problems.push(`${lost.length} answered calls without a record after ${DELIVERY_TIMEOUT_MS} ms`);
  if (lost.length > 0 && fault.mayLoseRecords) notes.push(`${lost.length} records were still in the killed process's memory`);
  if (!mesh.upRunning()) problems.push('infermesh up stopped');

  const ok = problems.length === 0;
  notes.unshift(...problems);
  return { fault: fault.name, calls: report.sent, failed, lost: lost.length, recoverMs: Math.round(recoverMs), note: notes.join('; '), ok };
}
