/**
 * `npm run test:attacks`: attacks on real processes. The mesh of `npm start` (`infermesh up`
 * as a child process, limits.maxConcurrentStreams 100) takes malformed requests (fuzz), a
 * 300 MiB message, the routing-field wire-type confusion, 8-million-element requests,
 * ReportStats about made-up versions and more streams on one connection than it allows; a
 * mesh with mutual TLS, tokens and artifact rules (secure-mesh.ts) takes the security attacks.
 * Each attack runs while the peak RSS of every process is sampled, and is followed by a valid
 * call that must be answered correctly. Prints the table, writes it as JSON to `$ATTACKS_JSON`
 * when set, and exits 1 when an answer had the wrong code (INTERNAL or UNKNOWN included), a
 * process died, grew more than GROWTH_LIMIT_MIB during an attack or passed MEMORY_LIMIT_MIB,
 * or the valid call failed. `ATTACKS_SEED=<n>` repeats a fuzz run (the seed is printed);
 * `npm run test:attacks -- <words>` runs only the attacks whose names contain them.
 */
import { writeFile } from 'node:fs/promises';
import { InferenceClient } from '@infermesh/client';
import { startLocalMesh } from '../faults/local-mesh.js';
import { printTable } from '../harness/print-table.js';
import { validCallFails, type Attack, type AttackOutcome, type Target } from './attack.js';
import { fuzzAttack } from './fuzz.js';
import { watchMemory, type MemoryReport } from './rss-sampler.js';
import { startSecureMesh } from './secure-mesh.js';
import { securityAttacks } from './security-attacks.js';
import { hugeMessageAttack, madeUpStatsAttack, manyElementsAttack, manyStreamsAttack, routingConfusionAttack } from './wire-attacks.js';

/** The limits every process is held to: its peak RSS, and what it may add during one attack. */
const MEMORY_LIMIT_MIB = 1024;
const GROWTH_LIMIT_MIB = 192;
const MAX_CONCURRENT_STREAMS = 100;
const FUZZ_REQUESTS = 10_000;

const seed = process.env.ATTACKS_SEED ? Number(process.env.ATTACKS_SEED) : Math.floor(Math.random() * 2 ** 31);
const wireAttacks: Attack[] = [
  fuzzAttack(FUZZ_REQUESTS, seed),
  hugeMessageAttack,
  routingConfusionAttack,
  manyElementsAttack,
  madeUpStatsAttack(10, 10_000),
  manyStreamsAttack(1_000, MAX_CONCURRENT_STREAMS),
];
const only = process.argv.slice(2).join(' ');
const chosen = <T extends Target>(attacks: Attack<T>[]) => attacks.filter((attack) => attack.name.includes(only));
if (chosen(wireAttacks).length + chosen(securityAttacks).length === 0) {
  throw new Error(`no attack named like '${only}'; attacks: ${[...wireAttacks, ...securityAttacks].map((attack) => attack.name).join(', ')}`);
}

interface AttackRow {
  attack: string;
  sent: string;
  count: number;
  codes: Record<string, number>;
  memory: MemoryReport;
  /** Why the valid call after the attack failed; empty when it was answered correctly. */
  after: string;
  failures: string[];
  note: string;
}

/** A note as one table cell: whitespace runs (grpc-js's multi-line details) as one space, at most NOTE_CHARS. */
const NOTE_CHARS = 160;
const oneLine = (text: string) => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > NOTE_CHARS ? `${flat.slice(0, NOTE_CHARS - 1)}…` : flat;
};

const rows: AttackRow[] = [];
const failures: string[] = [];

/** Runs each attack against `target` with its memory watched, then the valid call; adds a row per attack. */
async function runAll<T extends Target>(target: T, attacks: Attack<T>[]): Promise<void> {
  for (const attack of attacks) {
    process.stderr.write(`attacks: ${attack.name} ...\n`);
    const started = performance.now();
    let outcome: AttackOutcome;
    let memory: MemoryReport;
    try {
      ({ result: outcome, memory } = await watchMemory(() => target.processes(), () => attack.run(target)));
    } catch (error) {
      failures.push(`${attack.name}: ${(error as Error).stack ?? String(error)}`);
      continue;
    }
    const rowFailures = [...outcome.failures];
    for (const label of memory.died) rowFailures.push(`${label} died`);
    for (const [label, peak] of Object.entries(memory.peakMiB)) {
      if (peak > MEMORY_LIMIT_MIB) rowFailures.push(`${label} peaked at ${peak.toFixed(0)} MiB, over ${MEMORY_LIMIT_MIB} MiB`);
      const growth = peak - (memory.startMiB[label] ?? peak);
      if (growth > GROWTH_LIMIT_MIB) rowFailures.push(`${label} grew by ${growth.toFixed(0)} MiB, over ${GROWTH_LIMIT_MIB} MiB`);
    }
    process.stderr.write(`attacks: ${attack.name}: ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
    const after = (await validCallFails(target.caller)) ?? '';
    if (after) rowFailures.push(`the valid call after it: ${after}`);
    rows.push({ attack: attack.name, sent: attack.sent, count: outcome.count, codes: outcome.codes, memory, after, failures: rowFailures, note: oneLine(outcome.note ?? '') });
    for (const failure of rowFailures) failures.push(`${attack.name}: ${failure}`);
  }
}

process.stderr.write(`attacks: fuzz seed ${seed}; starting the local mesh (infermesh up) and the secure mesh ...\n`);
const [local, secure] = await Promise.allSettled([startLocalMesh({ limits: { maxConcurrentStreams: MAX_CONCURRENT_STREAMS } }), startSecureMesh()]);
try {
  if (local.status === 'rejected') throw local.reason;
  if (secure.status === 'rejected') throw secure.reason;
  const mesh = local.value;
  const caller = new InferenceClient(mesh.gateway);
  const meshTarget: Target = {
    gateway: mesh.gateway,
    registry: mesh.registry,
    caller,
    processes: () => [
      ...mesh.pidsOf('gateway').map((pid) => ({ label: 'gateway', pid })),
      ...mesh.runnerPids().sort((a, b) => a - b).map((pid, index) => ({ label: `runner ${index + 1}`, pid })),
      ...mesh.pidsOf('registry').map((pid) => ({ label: 'registry', pid })),
      ...mesh.pidsOf('sink').map((pid) => ({ label: 'sink', pid })),
    ],
  };
  try {
    const before = await validCallFails(caller);
    if (before) throw new Error(`the local mesh does not answer the valid call: ${before}`);
    await runAll(meshTarget, chosen(wireAttacks));
    if (!mesh.upRunning()) failures.push('infermesh up stopped during the attacks');
  } finally {
    caller.close();
  }
  await runAll(secure.value, chosen(securityAttacks));
} catch (error) {
  failures.push((error as Error).stack ?? String(error));
} finally {
  if (local.status === 'fulfilled') {
    const code = await local.value.stop();
    if (code !== 0) failures.push(`infermesh up exited with ${code} on SIGTERM`);
  }
  if (secure.status === 'fulfilled') await secure.value.stop();
}

/** Peak MiB of the processes whose label starts with `prefix`, joined with '/'. */
const peaks = (memory: MemoryReport, prefix: string) =>
  Object.entries(memory.peakMiB)
    .filter(([label]) => label.startsWith(prefix))
    .map(([, peak]) => peak.toFixed(0))
    .join('/') || '-';
const codes = (row: AttackRow) =>
  Object.entries(row.codes)
    .sort(([, a], [, b]) => b - a)
    .map(([name, count]) => `${name} ${count}`)
    .join(', ');
process.stdout.write(`peak RSS in MiB while each attack ran (limit ${MEMORY_LIMIT_MIB}, and at most +${GROWTH_LIMIT_MIB} during one attack); fuzz seed ${seed}\n`);
printTable(
  ['attack', 'sent', 'how many', 'answer codes', 'gateway', 'runner(s)', 'registry', 'sink', 'correct after', 'ok', 'note'],
  rows.map((row) => [
    row.attack,
    row.sent,
    String(row.count),
    codes(row),
    peaks(row.memory, 'gateway'),
    peaks(row.memory, 'runner'),
    peaks(row.memory, 'registry'),
    peaks(row.memory, 'sink'),
    row.after ? `NO: ${row.after}` : 'yes',
    row.failures.length === 0 ? 'yes' : 'NO',
    row.note,
  ]),
);
if (process.env.ATTACKS_JSON) await writeFile(process.env.ATTACKS_JSON, JSON.stringify({ seed, rows }, null, 2));

if (failures.length > 0) {
  process.stderr.write(`attacks: FAILED\n${failures.join('\n')}\n`);
  process.exit(1);
}
process.stderr.write('attacks: every attack was refused or bounded, and correct answers followed\n');
process.exit(0);
