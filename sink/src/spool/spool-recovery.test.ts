/**
 * Damage on disk and failed writes: a damaged frame is skipped alone and kept in quarantine,
 * a damaged segment is moved aside rather than deleted, and a refused write leaves nothing
 * for readers to hand out.
 */
import { mkdtemp, open, readdir, readFile, rm, stat, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { silentLogger } from '@infermesh/common';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EntryKind, SEGMENT_MAGIC } from './frame.js';
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

async function readAll(reader: SpoolReader): Promise<{ seq: number; text: string }[]> {
  const out: { seq: number; text: string }[] = [];
  for (;;) {
    const batch = await reader.read(100, 1 << 20);
    if (batch.length === 0) return out;
    out.push(...batch.map((e) => ({ seq: e.seq, text: e.payload.toString() })));
  }
}

/** Flips one byte in the middle of the frame that holds `text`. */
async function flipByteOf(file: string, text: string): Promise<void> {
  const data = await readFile(file);
  const at = data.indexOf(text) + Math.floor(text.length / 2);
  expect(at).toBeGreaterThan(SEGMENT_MAGIC.byteLength);
  const handle = await open(file, 'r+');
  await handle.write(Buffer.from([data[at]! ^ 0x5a]), 0, 1, at);
  await handle.close();
}

const segmentFiles = async () => (await readdir(path.join(dir, 'segments'))).sort().map((name) => path.join(dir, 'segments', name));
const quarantined = async () => (await readdir(path.join(dir, 'quarantine'))).sort();

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'infermesh-spool-recovery-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('Spool recovery', () => {
  it('skips a damaged frame in the newest segment alone, keeps its bytes, and numbers on', async () => {
    const spool = await Spool.open(options());
    for (let i = 1; i <= 100; i++) await spool.append([entry(`record-${i}`)]);
    await spool.close();
    const [file] = await segmentFiles();
    await flipByteOf(file!, 'record-11');

    const reopened = await Spool.open(options());
    expect(reopened.nextSequence).toBe(101);
    const read = await readAll(new SpoolReader(reopened, 1, logger));
    expect(read).toHaveLength(99);
    expect(read.map((e) => e.seq)).toEqual([...Array(100).keys()].map((i) => i + 1).filter((seq) => seq !== 11));
    expect(read.find((e) => e.seq === 12)?.text).toBe('record-12');
    const [kept] = await quarantined();
    expect(kept).toMatch(/^0{19}1\.seg\.\d+\.damaged$/);
    expect((await readFile(path.join(dir, 'quarantine', kept!))).toString('latin1')).toContain('rec');
    expect(await reopened.append([entry('after')])).toBe(101);
    await reopened.close();
  });

  it('reads past a damaged frame in an older segment and moves that segment to quarantine instead of deleting it', async () => {
    const spool = await Spool.open(options({ segmentBytes: 64 * 1024 }));
    for (let i = 1; i <= 1200; i++) await spool.append([entry(`record-${i}-${'x'.repeat(100)}`)]);
    expect(spool.segmentCount).toBeGreaterThan(2);
    await spool.close();
    const [oldest] = await segmentFiles();
    await flipByteOf(oldest!, 'record-300-');

    const reopened = await Spool.open(options());
    const reader = new SpoolReader(reopened, 1, logger);
    const read = await readAll(reader);
    expect(read).toHaveLength(1199);
    expect(read.some((e) => e.seq === 300)).toBe(false);
    expect(reader.skipped).toBe(1);
    expect(new Set(read.map((e) => e.seq)).size).toBe(1199);
    await reopened.release(reopened.nextSequence);
    expect(await segmentFiles()).not.toContain(oldest);
    expect(await quarantined()).toContain(path.basename(oldest!));
    expect((await stat(path.join(dir, 'quarantine', path.basename(oldest!)))).size).toBeGreaterThan(60 * 1024);
    await reader.close();
    await reopened.close();
  });

  it('keeps a torn tail in quarantine before cutting it off', async () => {
    const spool = await Spool.open(options());
    await spool.append([entry('one'), entry('two')]);
    await spool.close();
    const [file] = await segmentFiles();
    const goodSize = (await stat(file!)).size;
    const handle = await open(file!, 'a');
    await handle.write(Buffer.from([0xf5, 0x1d, 0xa9, 0xc3, 9, 9, 9]));
    await handle.close();
    const reopened = await Spool.open(options());
    expect(reopened.nextSequence).toBe(3);
    expect((await stat(file!)).size).toBe(goodSize);
    const [kept] = await quarantined();
    expect((await readFile(path.join(dir, 'quarantine', kept!))).byteLength).toBe(7);
    await reopened.close();
  });

  it('hands out no refused bytes: after a failed write, readers get the next acknowledged entries under their own numbers', async () => {
    let failNext = false;
    let duringFailure: () => Promise<void> = async () => undefined;
    const openForAppend = async (file: string): Promise<FileHandle> => {
      const handle = await open(file, 'a');
      const write = handle.write.bind(handle) as (data: Buffer, offset: number) => Promise<{ bytesWritten: number; buffer: Buffer }>;
      // A disk that takes half a write and then fails with EIO.
      (handle as unknown as { write: typeof write }).write = async (data, offset) => {
        if (!failNext) return write(data, offset);
        failNext = false;
        await write(data.subarray(0, offset + Math.floor((data.byteLength - offset) / 2)), offset);
        await duringFailure();
        throw Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' });
      };
      return handle;
    };
    const spool = await Spool.open(options({ openForAppend }));
    await spool.append([entry('a'), entry('b')]);
    // A reader that is behind reads while the refused bytes are in the file.
    const reader = new SpoolReader(spool, 1, logger);
    let readDuringFailure: string[] = [];
    duringFailure = async () => {
      readDuringFailure = (await readAll(reader)).map((e) => e.text);
    };
    failNext = true;
    await expect(spool.append([entry('refused-1'), entry('refused-2')])).rejects.toMatchObject({ code: 14 });
    expect(readDuringFailure).toEqual(['a', 'b']);
    expect(await spool.append([entry('c'), entry('d')])).toBe(3);
    expect(await readAll(reader)).toEqual([
      { seq: 3, text: 'c' },
      { seq: 4, text: 'd' },
    ]);
    await reader.close();
    await spool.close();
    const reopened = await Spool.open(options());
    expect(reopened.nextSequence).toBe(5);
    expect((await readAll(new SpoolReader(reopened, 1, logger))).map((e) => e.text)).toEqual(['a', 'b', 'c', 'd']);
    await reopened.close();
  });

  it('refuses a spool of the older format with a message saying what to do', async () => {
    const spool = await Spool.open(options());
    await spool.close();
    const [file] = await segmentFiles();
    const handle = await open(file!, 'r+');
    await handle.write(Buffer.from('IMSPOOL1'), 0, 8, 0);
    await handle.close();
    await expect(Spool.open(options())).rejects.toThrow(/spool format 1 \(an older sink\)/);
  });
});
