import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataFolderLock } from './DataFolderLock.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'infermesh-lock-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const lockOf = (pid: number) => JSON.stringify({ pid, host: hostname(), sinceMs: Date.UTC(2026, 0, 1) });

describe('DataFolderLock', () => {
  it('refuses a second registry on the folder, naming the holder, until the first lets go', async () => {
    const lock = await DataFolderLock.acquire(dir);
    await expect(DataFolderLock.acquire(dir)).rejects.toThrow(`the registry data folder ${dir} is in use by another registry (pid ${process.pid} on ${hostname()}`);
    await lock.release();
    const again = await DataFolderLock.acquire(dir);
    expect(JSON.parse(await readFile(again.file, 'utf8'))).toMatchObject({ pid: process.pid, host: hostname() });
    await again.release();
  });

  it('refuses a lock held by another live process, and takes over one whose process is gone', async () => {
    const child = spawn('sleep', ['30']);
    await writeFile(path.join(dir, 'registry.lock'), lockOf(child.pid!));
    await expect(DataFolderLock.acquire(dir)).rejects.toThrow(`(pid ${child.pid} on ${hostname()} since 2026-01-01T00:00:00.000Z)`);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    const lock = await DataFolderLock.acquire(dir);
    expect(JSON.parse(await readFile(lock.file, 'utf8'))).toMatchObject({ pid: process.pid });
    await lock.release();
  });
});
