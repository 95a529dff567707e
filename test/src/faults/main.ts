/**
 * `npm run test:faults`: the local mesh of `npm start` (`infermesh up` as a child process,
 * on free ports and a temporary data folder, with a second sink destination: a receiver
 * process) under the faults of faults.ts, one after the other, each while an external client
 * process calls `simple`; then the memory run (200,000 calls, RSS of every process). Prints
 * the fault table (fault, calls, failed, lost records, recovery time) and the memory table,
 * writes both as JSON to `$FAULTS_JSON` when set, and exits 1 when a fault failed calls or
 * lost records it must not, left orphan runners or stopped the mesh, or when the memory run
 * failed a call or lost a record. `npm run test:faults -- <words>` runs only the faults whose
 * names contain them (`memory` names the memory run).
 */
import { writeFile } from 'node:fs/promises';
import { faults } from './faults.js';
import { startLocalMesh } from './local-mesh.js';
import { MEMORY_CALLS, runMemory, type MemoryRun } from './memory.js';
import { printTable } from '../harness/print-table.js';
import { runFault, type FaultRow } from './run-fault.js';

const only = process.argv.slice(2).join(' ');
const chosen = only ? faults.filter((fault) => fault.name.includes(only)) : faults;
const withMemory = !only || only === 'memory';
if (chosen.length === 0 && !withMemory) throw new Error(`no fault named like '${only}'; faults: ${faults.map((fault) => fault.name).join(', ')}, memory`);

process.stderr.write('faults: starting the local mesh (infermesh up) ...\n');
const startedAt = performance.now();
const mesh = await startLocalMesh();
const rows: FaultRow[] = [];
let memory: MemoryRun | undefined;
const failures: string[] = [];
try {
  for (const fault of chosen) {
    process.stderr.write(`faults: ${fault.name} ...\n`);
    try {
      const row = await runFault(mesh, fault);
      rows.push(row);
      if (!row.ok) failures.push(`${row.fault}: ${row.note}`);
    } catch (error) {
      failures.push(`${fault.name}: ${(error as Error).stack ?? String(error)}`);
    }
  }
  if (withMemory) {
    process.stderr.write(`faults: memory over ${MEMORY_CALLS} calls ...\n`);
    try {
      memory = await runMemory(mesh);
      failures.push(...memory.problems.map((problem) => `memory: ${problem}`));
    } catch (error) {
      failures.push(`memory: ${(error as Error).stack ?? String(error)}`);
    }
  }
} finally {
  const code = await mesh.stop();
  if (code !== 0) failures.push(`infermesh up exited with ${code} on SIGTERM`);
  const leftovers = mesh.runnerPids();
  if (leftovers.length > 0) failures.push(`runner processes left after infermesh up stopped: ${leftovers.join(' ')}`);
}

if (rows.length > 0) {
  printTable(
    ['fault', 'calls', 'failed', 'lost records', 'recovery ms', 'ok', 'note'],
    rows.map((r) => [r.fault, r.calls, r.failed, r.lost, r.recoverMs, r.ok ? 'yes' : 'NO', r.note].map(String)),
  );
}
if (memory) {
  const { answered, failed, lost, seconds } = memory;
  const cut = answered < MEMORY_CALLS ? ` (the time bound came before ${MEMORY_CALLS})` : '';
  process.stdout.write(`\nmemory: ${answered} calls answered at c=64 in ${seconds.toFixed(0)} s (${(answered / seconds).toFixed(0)}/s)${cut}, ${failed} failed, ${lost} records lost\n`);
  const mib = (value: number) => value.toFixed(1);
  printTable(
    ['process', 'start MiB', 'peak MiB', 'end MiB', 'growth %'],
    memory.rows.map((r) => [r.process, mib(r.startMiB), mib(r.peakMiB), mib(r.endMiB), r.growthPercent.toFixed(1)]),
  );
}
process.stderr.write(`faults: took ${((performance.now() - startedAt) / 1000).toFixed(0)} s\n`);
if (process.env.FAULTS_JSON) await writeFile(process.env.FAULTS_JSON, JSON.stringify({ faults: rows, memory }, null, 2));

if (failures.length > 0) {
  process.stderr.write(`faults: FAILED\n${failures.join('\n')}\n`);
  process.exit(1);
}
process.stderr.write('faults: every fault kept the calls and records it must keep\n');
process.exit(0);
