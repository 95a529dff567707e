/**
 * jsonl under a full disk: a child process with a file-size limit (`ulimit -f`, so writes
 * end in a short write and EFBIG) delivers until the file is full. Only batches that were
 * written whole count as delivered, and no torn line is left for readers.
 */
import { execFile } from 'node:child_process';
import { appendFile, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { destinationSchema, type JsonlConfig } from '@infermesh/common';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deliveryItems } from './delivery-items.test-helper.js';
import { JsonlDestination } from './jsonl-destination.js';

const run = promisify(execFile);
const built = pathToFileURL(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/destinations/jsonl-destination.js')).href;
let dir: string;
const signal = new AbortController().signal;
const config = () => ({ ...(destinationSchema.parse({ name: 'out', type: 'jsonl' }) as JsonlConfig), dir, prefix: 'out' });

// Runs in the child: delivers batches of 10 until one fails, then reports.
const child = `
const { JsonlDestination } = await import(process.env.BUILT);
const destination = new JsonlDestination({ name: 'out', type: 'jsonl', dir: process.env.DIR, prefix: 'out', maxFileBytes: 1 << 30 });
const record = (i) => JSON.stringify({ kind: 'prediction', id: 'id-' + i, requestId: 'req-' + i, pad: 'x'.repeat(150) });
let delivered = 0;
let error = '';
for (let batch = 0; batch < 100 && !error; batch++) {
  const items = Array.from({ length: 10 }, (_, k) => { const i = batch * 10 + k; return { seq: i + 1, id: 'id-' + i, json: record(i), document: {} }; });
  try { await destination.deliver(items); delivered += items.length; } catch (e) { error = e.message; }
}
await destination.close();
process.stdout.write(JSON.stringify({ delivered, error }));
`;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'infermesh-jsonl-full-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('jsonl destination on a full disk', () => {
  it('counts only whole batches, cuts a failed batch back off the file, and goes on once there is room', async () => {
    // bash's ulimit -f counts 1 KiB blocks: 20 KiB holds about 11 batches of 10 lines.
    const { stdout } = await run('bash', ['-c', 'ulimit -f 20; exec node --input-type=module -e "$SCRIPT"'], {
      env: { ...process.env, SCRIPT: child, BUILT: built, DIR: dir },
    });
    const { delivered, error } = JSON.parse(stdout) as { delivered: number; error: string };
    expect(error).toMatch(/EFBIG|short write/);
    expect(delivered).toBeGreaterThan(0);
    expect(delivered).toBeLessThan(1000);
    const text = await readFile(path.join(dir, 'out-000001.jsonl'), 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(delivered);
    expect(lines.map((line) => (JSON.parse(line) as { id: string }).id)).toEqual([...Array(delivered).keys()].map((i) => `id-${i}`));

    const roomy = new JsonlDestination(config());
    await roomy.deliver(deliveryItems(3), signal);
    await roomy.close();
    expect((await readFile(path.join(dir, 'out-000001.jsonl'), 'utf8')).trimEnd().split('\n')).toHaveLength(delivered + 3);
  });

  it('cuts a torn last line that a crash left before it appends', async () => {
    const first = new JsonlDestination(config());
    await first.deliver(deliveryItems(2), signal);
    await first.close();
    const [file] = await readdir(dir);
    await appendFile(path.join(dir, file!), '{"kind":"prediction","id":"torn');
    const second = new JsonlDestination(config());
    await second.deliver(deliveryItems(1, 3), signal);
    await second.close();
    const lines = (await readFile(path.join(dir, file!), 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(() => JSON.parse(line) as unknown).not.toThrow();
  });
});
