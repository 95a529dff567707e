/**
 * `npm run test:faults`: the local mesh of `npm start` (`infermesh up` as a child process,
 * on free ports and a temporary data folder) under kill -9 of a runner, of the runner
 * supervisor, of the registry and of the sink, one after the other, each while an external
 * client process calls `simple` at c=8. Prints the table (fault, calls, failed, lost
 * records, recovery time), writes it as JSON to `$FAULTS_JSON` when set, and exits 1 when a
 * fault failed calls it must not fail (runner with a second replica, registry, sink), lost
 * the record of an answered call, left orphan runners, or stopped the mesh.
 * `npm run test:faults -- <words>` runs only the faults whose names contain them.
 */
import { writeFile } from 'node:fs/promises';
import { faults, runFault, type FaultRow } from './faults.js';
import { startLocalMesh } from './local-mesh.js';
import { printTable } from '../harness/print-table.js';

const only = process.argv.slice(2).join(' ');
const chosen = only ? faults.filter((fault) => fault.name.includes(only)) : faults;
if (chosen.length === 0) throw new Error(`no fault named like '${only}'; faults: ${faults.map((fault) => fault.name).join(', ')}`);

process.stderr.write('faults: starting the local mesh (infermesh up) ...\n');
const mesh = await startLocalMesh();
const rows: FaultRow[] = [];
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
} finally {
  const code = await mesh.stop();
  if (code !== 0) failures.push(`infermesh up exited with ${code} on SIGTERM`);
  const leftovers = mesh.runnerPids();
  if (leftovers.length > 0) failures.push(`runner processes left after infermesh up stopped: ${leftovers.join(' ')}`);
}

const header = ['fault', 'calls', 'failed', 'lost records', 'recovery ms', 'ok', 'note'];
printTable(
  header,
  rows.map((r) => [r.fault, r.calls, r.failed, r.lost, r.recoverMs, r.ok ? 'yes' : 'NO', r.note].map(String)),
);
if (process.env.FAULTS_JSON) await writeFile(process.env.FAULTS_JSON, JSON.stringify(rows, null, 2));

if (failures.length > 0) {
  process.stderr.write(`faults: FAILED\n${failures.join('\n')}\n`);
  process.exit(1);
}
process.stderr.write('faults: every fault kept the calls and records it must keep\n');
process.exit(0);
