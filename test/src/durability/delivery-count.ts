/** Counting what reached a destination against what the sink acknowledged. */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/** One row of the durability table. */
export interface DurabilityRow {
  fault: string;
  destination: string;
  acknowledged: number;
  /** Acknowledged records delivered at least once. */
  delivered: number;
  /** Acknowledged records not delivered whose bytes are kept in the spool's quarantine folder. */
  quarantined: number;
  /** Acknowledged records neither delivered nor kept: must be 0. */
  lost: number;
  /** Copies delivered beyond the first. */
  duplicated: number;
  /** From the restart (or the end of the fault) until every acknowledged record was delivered or kept. */
  recoverMs: number;
  note: string;
}

/** How often each id was delivered. */
export type Deliveries = Map<string, number>;

export function countIds(ids: Iterable<string>): Deliveries {
  const counts: Deliveries = new Map();
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  return counts;
}

/** Ids of the documents in every `.jsonl` file of `dir`; a line that is not JSON fails the count. */
export async function jsonlIds(dir: string): Promise<string[]> {
  const files = (await readdir(dir).catch(() => [])).filter((name) => name.endsWith('.jsonl')).sort();
  const ids: string[] = [];
  for (const file of files) {
    const text = await readFile(path.join(dir, file), 'utf8');
    for (const line of text.split('\n')) {
      if (line === '') continue;
      ids.push((JSON.parse(line) as { id: string }).id);
    }
  }
  return ids;
}

/** Of `ids`, those whose text appears in a file of the spool's quarantine folder. */
export async function quarantinedIds(spoolDir: string, ids: Iterable<string>): Promise<Set<string>> {
  const dir = path.join(spoolDir, 'quarantine');
  const contents = await Promise.all((await readdir(dir).catch(() => [])).map((name) => readFile(path.join(dir, name), 'latin1')));
  return new Set([...ids].filter((id) => contents.some((text) => text.includes(id))));
}

/** A table row from what was acknowledged and what arrived. */
export async function row(
  fault: string,
  destination: string,
  acked: ReadonlySet<string>,
  deliveries: Deliveries,
  spoolDir: string,
  recoverMs: number,
  note = '',
): Promise<DurabilityRow> {
  const missing = [...acked].filter((id) => !deliveries.has(id));
  const kept = await quarantinedIds(spoolDir, missing);
  let duplicated = 0;
  for (const count of deliveries.values()) duplicated += count - 1;
  return {
    fault,
    destination,
    acknowledged: acked.size,
    delivered: acked.size - missing.length,
    quarantined: kept.size,
    lost: missing.length - kept.size,
    duplicated,
    recoverMs: Math.round(recoverMs),
    note,
  };
}

/** Polls `done` until true or `timeoutMs`; resolves with the time it took. */
export async function timeUntil(done: () => Promise<boolean> | boolean, timeoutMs: number): Promise<number> {
  const start = performance.now();
  while (!(await done())) {
    if (performance.now() - start > timeoutMs) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return performance.now() - start;
}
