import { mkdtemp, readdir, rm, stat, truncate, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { silentLogger } from '@infermesh/common';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EntryKind } from './frame.js';
import { Spool, type SpoolOptions } from './Spool.js';
import { SpoolReader } from './SpoolReader.js';

let dir: string;
const logger = silentLogger();
const options = (overrides: Partial<SpoolOptions> = {}): SpoolOptions => ({
  dir,
  segmentBytes: 64 * 1024,
  maxBytes: 64 * 1024 * 1024,
  maxGroupBytes: 16 * 1024,
  logger,
  ...overrides,
});
const entry = (text: string) => ({ kind: EntryKind.prediction, payload: Buffer.from(text) });

async function readAll(spool: Spool, from: number): Promise<string[]> {
  const reader = new SpoolReader(spool, from, logger);
  const out: string[] = [];
  for (;;) {
    const batch = await reader.read(100, 1 << 20);
    if (batch.length === 0) break;
    out.push(...batch.map((e) => e.payload.toString()));
  }
  await reader.close();
  return out;
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'infermesh-spool-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('Spool', () => {
  it('numbers entries from 1 in append order and reads them back from any position', async () => {
    const spool = await Spool.open(options());
    const firsts = await Promise.all([spool.append([entry('a'), entry('b')]), spool.append([entry('c')]), spool.append([entry('d')])]);
    expect(firsts).toEqual([1, 3, 4]);
    expect(spool.nextSequence).toBe(5);
    expect(await readAll(spool, 1)).toEqual(['a', 'b', 'c', 'd']);
    expect(await readAll(spool, 3)).toEqual(['c', 'd']);
    await spool.close();
  });

  it('keeps every acknowledged entry across a reopen, and rotates segments at segmentBytes', async () => {
    const spool = await Spool.open(options({ segmentBytes: 64 * 1024 }));
    const payload = 'x'.repeat(1000);
    for (let i = 0; i < 300; i++) await spool.append([entry(`${i}:${payload}`)]);
    expect(spool.segmentCount).toBeGreaterThan(3);
    await spool.close();
    // Entries hold callers' headers and tensors: the segments are their owner's only.
    const segments = path.join(dir, 'segments');
    expect((await stat(segments)).mode & 0o777).toBe(0o700);
    for (const name of await readdir(segments)) expect((await stat(path.join(segments, name))).mode & 0o777).toBe(0o600);

    const reopened = await Spool.open(options());
    expect(reopened.nextSequence).toBe(301);
    const all = await readAll(reopened, 1);
    expect(all).toHaveLength(300);
    expect(all.map((text) => Number(text.split(':')[0]))).toEqual([...Array(300).keys()]);
    // A reader that starts in the middle of a later segment.
    expect((await readAll(reopened, 250))[0]).toMatch(/^249:/);
    await reopened.close();
  });

  it('cuts off a torn tail (a write the process never finished) and goes on from there', async () => {
    const spool = await Spool.open(options());
    await spool.append([entry('one'), entry('two')]);
    await spool.close();
    const [segment] = await readdir(path.join(dir, 'segments'));
    const file = path.join(dir, 'segments', segment!);
    const goodSize = (await stat(file)).size;
    // Half a frame, as if the process died in the middle of a write.
    await appendFile(file, Buffer.from([50, 0, 0, 0, 1, 2, 3]));

    const reopened = await Spool.open(options());
    expect(reopened.nextSequence).toBe(3);
    expect((await stat(file)).size).toBe(goodSize);
    await reopened.append([entry('three')]);
    expect(await readAll(reopened, 1)).toEqual(['one', 'two', 'three']);
    await reopened.close();
  });

  it('drops a frame whose checksum does not match at the tail', async () => {
    const spool = await Spool.open(options());
    await spool.append([entry('one'), entry('two')]);
    await spool.close();
    const [segment] = await readdir(path.join(dir, 'segments'));
    const file = path.join(dir, 'segments', segment!);
    await truncate(file, (await stat(file)).size - 1);
    const reopened = await Spool.open(options());
    expect(reopened.nextSequence).toBe(2);
    expect(await readAll(reopened, 1)).toEqual(['one']);
    await reopened.close();
  });

  it('deletes whole segments once passed, never the one being written, and keeps numbering after a reopen', async () => {
    const spool = await Spool.open(options({ segmentBytes: 64 * 1024 }));
    for (let i = 0; i < 200; i++) await spool.append([entry('y'.repeat(1000))]);
    const segments = spool.segmentCount;
    await spool.release(spool.nextSequence);
    expect(spool.segmentCount).toBe(1);
    expect(segments).toBeGreaterThan(1);
    expect(spool.firstSequence).toBeGreaterThan(1);
    await spool.close();
    const reopened = await Spool.open(options());
    expect(reopened.nextSequence).toBe(201);
    expect(await reopened.append([entry('next')])).toBe(201);
    await reopened.close();
  });

  it('refuses appends with RESOURCE_EXHAUSTED once maxBytes is reached', async () => {
    const spool = await Spool.open(options({ maxBytes: 1024 * 1024, segmentBytes: 64 * 1024 }));
    const big = 'z'.repeat(100 * 1024);
    for (let i = 0; i < 9; i++) await spool.append([entry(big)]);
    await expect(spool.append([entry(big), entry(big)])).rejects.toMatchObject({ code: 8, details: expect.stringContaining('sink spool is full') });
    await spool.close();
  });

  it('wakes a waiting reader when entries become durable', async () => {
    const spool = await Spool.open(options());
    const controller = new AbortController();
    const waiting = spool.waitFor(1, controller.signal);
    let woke = false;
    void waiting.then(() => (woke = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(woke).toBe(false);
    await spool.append([entry('late')]);
    await waiting;
    expect(woke).toBe(true);
    await spool.close();
  });
});
