/**
 * `npm run test:durability`: the sink under crashes, corruption, a full disk, EIO and
 * destinations down for longer than the old retry budget. Prints
 * the table (fault, acknowledged, delivered, quarantined, lost, duplicated, time to
 * recover), writes it as JSON to `$DURABILITY_JSON` when set, and exits 1 when a record
 * the sink acknowledged was lost.
 */
import { writeFile } from 'node:fs/promises';
import type { DurabilityRow } from './delivery-count.js';
import { destinationOutage, eioOnWrite, flippedByte, fullDisk, killDuringWrites } from './faults.js';
import { printTable } from '../harness/print-table.js';

const faults: [string, () => Promise<DurabilityRow[]>][] = [
  ['kill -9 during writes', () => killDuringWrites()],
  ['byte flipped mid newest segment', () => flippedByte('newest')],
  ['byte flipped mid older segment', () => flippedByte('older')],
  ['full disk (ulimit -f)', () => fullDisk()],
  ['EIO on spool write (injected)', () => eioOnWrite()],
  ['destination down > retry budget', () => destinationOutage()],
];

// `npm run test:durability -- <words>` runs only the faults whose names contain them.
const only = process.argv.slice(2).join(' ');
const chosen = only ? faults.filter(([name]) => name.includes(only)) : faults;
if (chosen.length === 0) throw new Error(`no fault named like '${only}'; faults: ${faults.map(([name]) => name).join(', ')}`);

const rows: DurabilityRow[] = [];
const failures: string[] = [];
for (const [name, run] of chosen) {
  process.stderr.write(`durability: ${name} ...\n`);
  try {
    rows.push(...(await run()));
  } catch (error) {
    failures.push(`${name}: ${(error as Error).stack ?? String(error)}`);
  }
}

const header = ['fault', 'destination', 'acknowledged', 'delivered', 'quarantined', 'lost', 'duplicated', 'recover ms', 'note'];
printTable(
  header,
  rows.map((r) => [r.fault, r.destination, r.acknowledged, r.delivered, r.quarantined, r.lost, r.duplicated, r.recoverMs, r.note].map(String)),
);
if (process.env.DURABILITY_JSON) await writeFile(process.env.DURABILITY_JSON, JSON.stringify(rows, null, 2));

const lost = rows.filter((r) => r.lost > 0);
for (const r of lost) failures.push(`${r.fault} (${r.destination}): ${r.lost} acknowledged records lost`);
if (failures.length > 0) {
  process.stderr.write(`durability: FAILED\n${failures.join('\n')}\n`);
  process.exit(1);
}
process.stderr.write('durability: every acknowledged record was delivered or kept in quarantine\n');
process.exit(0);
