/**
 * The faults of the durability suite. Each starts a real sink (a child process, or in
 * process where a fault is injected through its fs hook), publishes records over its
 * Publish stream, does its damage, recovers, and counts what the destinations got
 * against what the sink acknowledged.
 */
import { open, readdir, readFile, rm, writeFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { resolveConfig, silentLogger } from '@infermesh/common';
import { createSink } from '@infermesh/sink';
import { row, timeUntil, type Deliveries, type DurabilityRow } from './delivery-count.js';
import { faultEnv, type FaultEnv, type RetrySettings } from './fault-env.js';
import { RecordPublisher } from './record-publisher.js';
import { startSinkProcess } from './sink-process.js';

const BATCH = 50;
const DELIVERY_TIMEOUT_MS = 60_000;

const hasAll = (deliveries: Deliveries, ids: Iterable<string>) => [...ids].every((id) => deliveries.has(id));

/** kill -9 of the sink while records are written and delivered; a publisher resends what was not acknowledged. */
export async function killDuringWrites(total = 4_000): Promise<DurabilityRow[]> {
  const env = await faultEnv('kill9', { segmentBytes: 256 * 1024, files: true });
  let sink = await startSinkProcess(env.configFile);
  const publisher = new RecordPublisher(() => sink.address);
  try {
    let recoverMs = 0;
    let ackedAtKill = 0;
    const killer = (async () => {
      await timeUntil(() => publisher.acked.size >= total / 3, DELIVERY_TIMEOUT_MS);
      await sink.kill9();
      const before = new Set(publisher.acked);
      ackedAtKill = before.size;
      const start = performance.now();
      sink = await startSinkProcess(env.configFile);
      await timeUntil(async () => hasAll(env.hookDeliveries(), before) && hasAll(await env.fileDeliveries(), before), DELIVERY_TIMEOUT_MS);
      recoverMs = performance.now() - start;
    })();
    for (let first = 0; first < total; first += BATCH) await publisher.sendUntilAcked(env.records(first, BATCH), Date.now() + DELIVERY_TIMEOUT_MS);
    await killer;
    await timeUntil(async () => hasAll(env.hookDeliveries(), publisher.acked) && hasAll(await env.fileDeliveries(), publisher.acked), DELIVERY_TIMEOUT_MS);
    const note = `killed after ${ackedAtKill} acked; unacked batches resent`;
    return [
      await row('kill -9 during writes', 'http', publisher.acked, env.hookDeliveries(), env.spoolDir, recoverMs, note),
      await row('kill -9 during writes', 'jsonl', publisher.acked, await env.fileDeliveries(), env.spoolDir, recoverMs, note),
    ];
  } finally {
    publisher.close();
    await sink.kill9();
    await env.remove();
  }
}

/** Flips one byte inside the record nearest the middle of `file` (after its id, so the id stays readable in quarantine). */
async function flipMiddleRecord(file: string, ids: Iterable<string>): Promise<string> {
  const data = await readFile(file, 'latin1');
  let best: { id: string; at: number } | undefined;
  for (const id of ids) {
    const at = data.indexOf(`"${id}"`);
    if (at !== -1 && (!best || Math.abs(at - data.length / 2) < Math.abs(best.at - data.length / 2))) best = { id, at };
  }
  if (!best) throw new Error(`no acknowledged record found in ${file}`);
  const position = best.at + best.id.length + 40;
  const handle = await open(file, 'r+');
  const byte = Buffer.alloc(1);
  await handle.read(byte, 0, 1, position);
  byte[0] = byte[0]! ^ 0x20;
  await handle.write(byte, 0, 1, position);
  await handle.close();
  return best.id;
}

/** A byte flipped on disk while the sink is down and its destination behind: in the newest segment, or in an older one. */
export async function flippedByte(which: 'newest' | 'older', total = 2_000): Promise<DurabilityRow[]> {
  const env = await faultEnv(`flip-${which}`, { segmentBytes: which === 'newest' ? 16 * 1024 * 1024 : 64 * 1024, files: false });
  env.receiver.status = 503;
  let sink = await startSinkProcess(env.configFile);
  const publisher = new RecordPublisher(() => sink.address);
  try {
    for (let first = 0; first < total; first += BATCH) await publisher.sendUntilAcked(env.records(first, BATCH), Date.now() + DELIVERY_TIMEOUT_MS);
    await sink.kill9();
    const segments = await env.segmentFiles();
    const target = which === 'newest' ? segments.at(-1)! : segments[Math.floor((segments.length - 1) / 2)]!;
    if (which === 'older' && target === segments.at(-1)) throw new Error('expected more than one segment');
    const damagedId = await flipMiddleRecord(target, publisher.acked);
    env.receiver.status = 200;
    const start = performance.now();
    sink = await startSinkProcess(env.configFile);
    const missingAreKept = async () => {
      const delivered = env.hookDeliveries();
      const missing = [...publisher.acked].filter((id) => !delivered.has(id));
      if (missing.length > 1) return false;
      return (await row('', '', publisher.acked, delivered, env.spoolDir, 0)).lost === 0;
    };
    await timeUntil(missingAreKept, DELIVERY_TIMEOUT_MS);
    const recoverMs = performance.now() - start;
    let note = `damaged ${damagedId} in ${path.basename(target)} of ${segments.length}`;
    if (which === 'older') {
      // Delivery passed the damaged segment: it must be moved aside, not deleted.
      await timeUntil(async () => (await readdir(path.join(env.spoolDir, 'quarantine'))).includes(path.basename(target)), 10_000);
      const movedAside = (await readdir(path.join(env.spoolDir, 'quarantine'))).includes(path.basename(target));
      note += movedAside ? '; segment moved to quarantine' : '; SEGMENT NOT IN QUARANTINE';
      if (!movedAside) throw new Error(`the damaged segment ${target} was not moved to quarantine`);
    }
    return [await row(`byte flipped mid ${which} segment`, 'http', publisher.acked, env.hookDeliveries(), env.spoolDir, recoverMs, note)];
  } finally {
    publisher.close();
    await sink.kill9();
    await env.remove();
  }
}

/** A full disk: the sink runs under `ulimit -f`, so its spool and its jsonl file stop growing; then it restarts with room. */
export async function fullDisk(limitKiB = 256): Promise<DurabilityRow[]> {
  const env = await faultEnv('full-disk', { segmentBytes: 4 * 1024 * 1024, files: true });
  let sink = await startSinkProcess(env.configFile, limitKiB);
  const publisher = new RecordPublisher(() => sink.address);
  try {
    let next = 0;
    for (let refusedInARow = 0; refusedInARow < 5 && next < 5_000; next += BATCH) {
      refusedInARow = (await publisher.send(env.records(next, BATCH))) ? 0 : refusedInARow + 1;
    }
    if (publisher.refused === 0) throw new Error(`the sink took ${next} records under ulimit -f ${limitKiB}: the limit did not bite`);
    // Give the destinations time to hit the limit as well.
    await sleep(500);
    const refusedBatches = publisher.refused;
    await sink.kill9();
    const start = performance.now();
    sink = await startSinkProcess(env.configFile);
    for (let i = 0; i < 10; i++, next += BATCH) await publisher.sendUntilAcked(env.records(next, BATCH), Date.now() + DELIVERY_TIMEOUT_MS);
    await timeUntil(async () => hasAll(env.hookDeliveries(), publisher.acked) && hasAll(await env.fileDeliveries(), publisher.acked), DELIVERY_TIMEOUT_MS);
    const recoverMs = performance.now() - start;
    const note = `ulimit -f ${limitKiB} KiB: ${refusedBatches} batches refused, then restarted with room`;
    return [
      await row('full disk (ulimit -f)', 'http', publisher.acked, env.hookDeliveries(), env.spoolDir, recoverMs, note),
      await row('full disk (ulimit -f)', 'jsonl', publisher.acked, await env.fileDeliveries(), env.spoolDir, recoverMs, note),
    ];
  } finally {
    publisher.close();
    await sink.kill9();
    await env.remove();
  }
}

/** EIO on spool writes (half a write lands, then the error), injected through the sink's fs hook, while a destination is behind. */
export async function eioOnWrite(total = 2_000): Promise<DurabilityRow[]> {
  const env = await faultEnv('eio', { segmentBytes: 256 * 1024, files: true });
  let failing = false;
  const openSpoolSegment = async (file: string): Promise<FileHandle> => {
    const handle = await open(file, 'a');
    const write = handle.write.bind(handle) as (data: Buffer, offset: number) => Promise<{ bytesWritten: number; buffer: Buffer }>;
    (handle as unknown as { write: typeof write }).write = async (data, offset) => {
      if (!failing) return write(data, offset);
      await write(data.subarray(0, offset + Math.floor((data.byteLength - offset) / 2)), offset);
      throw Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO', errno: -5 });
    };
    return handle;
  };
  env.receiver.status = 503;
  const sink = await createSink(resolveConfig(env.config, {}, { source: 'durability' }).sink, { logger: silentLogger(), openSpoolSegment });
  const publisher = new RecordPublisher(() => sink.address);
  try {
    const batches = total / BATCH;
    for (let b = 0; b < batches; b++) {
      failing = b >= batches / 3 && b < batches / 3 + 5;
      await publisher.send(env.records(b * BATCH, BATCH));
    }
    failing = false;
    env.receiver.status = 200;
    const recoverMs = await timeUntil(async () => hasAll(env.hookDeliveries(), publisher.acked) && hasAll(await env.fileDeliveries(), publisher.acked), DELIVERY_TIMEOUT_MS);
    const acked = publisher.acked;
    // Refused records must not reach a destination under another record's number.
    const leaked = [...env.hookDeliveries().keys()].filter((id) => !acked.has(id)).length;
    const note = `${publisher.refused} batches refused with EIO; ${leaked} refused records delivered`;
    if (leaked > 0) throw new Error(note);
    return [
      await row('EIO on spool write (injected)', 'http', acked, env.hookDeliveries(), env.spoolDir, recoverMs, note),
      await row('EIO on spool write (injected)', 'jsonl', acked, await env.fileDeliveries(), env.spoolDir, recoverMs, note),
    ];
  } finally {
    publisher.close();
    await sink.close();
    await env.remove();
  }
}

/** The time a batch retries under `retry` before it is dead-lettered, counting `maxAttempts` with the delays' upper bounds. */
function attemptsBudgetMs(retry: RetrySettings, maxAttempts: number): number {
  let total = 0;
  for (let attempt = 1; attempt < maxAttempts; attempt++) total += Math.min(retry.initialDelayMs * 2 ** (attempt - 1), retry.maxDelayMs);
  return total;
}

/**
 * Each destination down for longer than the old retry budget (10 attempts with backoff,
 * then dead-letter): the HTTP receiver answers 503, and the jsonl folder's path is a plain
 * file, so opening its file fails (the suite runs as root, where a read-only folder would
 * not stop a write). Records are acknowledged meanwhile; then both come back, and every
 * record must arrive, none dead-lettered. The delays are shortened so that it runs in
 * seconds: the old budget under them is ~1.3 s, the outage `outageMs`, the outage window 60 s.
 */
export async function destinationOutage(total = 1_000, outageMs = 6_000): Promise<DurabilityRow[]> {
  const retry: RetrySettings = { maxAttempts: 0, initialDelayMs: 20, maxDelayMs: 200, outageWindowMs: 60_000 };
  const oldBudgetMs = attemptsBudgetMs(retry, 10);
  if (outageMs <= 2 * oldBudgetMs || outageMs >= retry.outageWindowMs!) {
    throw new Error(`the outage (${outageMs} ms) must outlast the old budget (${oldBudgetMs} ms) and fit the window (${retry.outageWindowMs} ms)`);
  }
  const env = await faultEnv('outage', { segmentBytes: 256 * 1024, files: true, retry });
  env.receiver.status = 503;
  await writeFile(env.filesDir, 'a file where the jsonl destination wants its folder: it is down\n');
  const sink = await startSinkProcess(env.configFile);
  const publisher = new RecordPublisher(() => sink.address);
  try {
    const outageStart = performance.now();
    for (let first = 0; first < total; first += BATCH) await publisher.sendUntilAcked(env.records(first, BATCH), Date.now() + DELIVERY_TIMEOUT_MS);
    await sleep(Math.max(0, outageMs - (performance.now() - outageStart)));
    const duringOutage = env.hookDeliveries().size + (await env.fileDeliveries()).size;
    if (duringOutage > 0) throw new Error(`${duringOutage} records were delivered while the destinations were down: the outage did not bite`);
    const downMs = performance.now() - outageStart;
    env.receiver.status = 200;
    await rm(env.filesDir);
    const start = performance.now();
    await timeUntil(async () => hasAll(env.hookDeliveries(), publisher.acked) && hasAll(await env.fileDeliveries(), publisher.acked), DELIVERY_TIMEOUT_MS);
    const recoverMs = performance.now() - start;
    const deadLettered = await deadLetteredIds(env.spoolDir);
    const note = `down ${(downMs / 1000).toFixed(1)} s vs old budget ${(oldBudgetMs / 1000).toFixed(1)} s (10 attempts), window ${retry.outageWindowMs! / 1000} s; ${deadLettered} dead-lettered`;
    if (deadLettered > 0) throw new Error(note);
    return [
      await row('destination down > retry budget', 'http', publisher.acked, env.hookDeliveries(), env.spoolDir, recoverMs, note),
      await row('destination down > retry budget', 'jsonl', publisher.acked, await env.fileDeliveries(), env.spoolDir, recoverMs, note),
    ];
  } finally {
    publisher.close();
    await sink.kill9();
    await env.remove();
  }
}

/** Lines in the spool's dead-letter files: records a destination gave up on. */
async function deadLetteredIds(spoolDir: string): Promise<number> {
  const dir = path.join(spoolDir, 'dead-letters');
  const files = await readdir(dir).catch(() => []);
  let lines = 0;
  for (const file of files) lines += (await readFile(path.join(dir, file), 'utf8')).split('\n').filter(Boolean).length;
  return lines;
}

export type { FaultEnv };
