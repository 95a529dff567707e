import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deliveryItems } from '../destinations/delivery-items.test-helper.js';
import { DeadLetterFile, deadLetterFiles } from './DeadLetterFile.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'infermesh-dead-letters-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('DeadLetterFile', () => {
  it('sets the current file aside at maxFileBytes and lists the files oldest first', async () => {
    const file = new DeadLetterFile(dir, 'hook', { maxFileBytes: 8 * 1024, maxBytes: 1 << 20 });
    const items = deliveryItems(60);
    for (let i = 0; i < 60; i += 5) await file.write(items.slice(i, i + 5), 'HTTP 400', 1);
    const files = await deadLetterFiles(dir, 'hook');
    expect(files.length).toBeGreaterThan(2);
    expect(path.basename(files[0]!)).toBe('hook.000001.jsonl');
    expect(files.at(-1)).toBe(file.file);
    for (const each of files) expect((await stat(each)).size).toBeLessThanOrEqual(8 * 1024);
    for (const each of files) expect((await stat(each)).mode & 0o777).toBe(0o600);
    const lines = (await Promise.all(files.map((each) => readFile(each, 'utf8')))).join('').trim().split('\n');
    expect(lines.map((line) => (JSON.parse(line) as { record: { id: string } }).record.id)).toEqual(items.map((item) => item.id));
  });

  it('refuses a batch that would take all the files past maxBytes, naming the key', async () => {
    const file = new DeadLetterFile(dir, 'hook', { maxFileBytes: 4 * 1024, maxBytes: 6 * 1024 });
    await file.write(deliveryItems(5), 'HTTP 400', 1);
    await expect(file.write(deliveryItems(10), 'HTTP 400', 1)).rejects.toThrow(/dead-letter files of hook are full .*sink\.deadLetters\.maxBytes 6144/);
    expect((await deadLetterFiles(dir, 'hook')).length).toBe(1);
  });
});
