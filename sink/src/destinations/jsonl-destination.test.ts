import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deliveryItems } from './delivery-items.test-helper.js';
import { JsonlDestination } from './jsonl-destination.js';
import { destinationSchema, type JsonlConfig } from '@infermesh/common';

let dir: string;
const signal = new AbortController().signal;
const destination = (maxFileBytes: number) =>
  new JsonlDestination({ ...(destinationSchema.parse({ name: 'out', type: 'jsonl', maxFileBytes }) as JsonlConfig), dir, prefix: 'out' });

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'infermesh-jsonl-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('jsonl destination', () => {
  it('writes one document per line and starts the next file at maxFileBytes, continuing the newest after a restart', async () => {
    const first = destination(8 * 1024);
    const items = deliveryItems(100);
    for (let i = 0; i < 100; i += 10) await first.deliver(items.slice(i, i + 10), signal);
    await first.close();
    const second = destination(8 * 1024);
    await second.deliver(deliveryItems(5, 101), signal);
    await second.close();

    const files = (await readdir(dir)).sort();
    expect(files.length).toBeGreaterThan(2);
    expect(files[0]).toBe('out-000001.jsonl');
    // Records hold callers' headers and tensors: their owner's only.
    for (const file of files) expect((await stat(path.join(dir, file))).mode & 0o777).toBe(0o600);
    const lines = (await Promise.all(files.map((file) => readFile(path.join(dir, file), 'utf8')))).join('').trim().split('\n');
    const documents = lines.map((line) => JSON.parse(line) as { id: string; requestId: string });
    expect(documents.map((d) => d.requestId)).toEqual([...Array(105).keys()].map((i) => `req-${i + 1}`));
    expect(documents.slice(0, 100).map((d) => d.id)).toEqual(items.map((item) => item.id));
  });
});
