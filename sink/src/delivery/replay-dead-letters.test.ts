import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { resolveConfig, silentLogger, type SinkConfig } from '@infermesh/common';
import { HttpReceiver } from '@infermesh/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deliveryItems } from '../destinations/delivery-items.test-helper.js';
import { DeadLetterFile } from './DeadLetterFile.js';
import { replayDeadLetters } from './replay-dead-letters.js';

let dataDir: string;
let receiver: HttpReceiver;
const logger = silentLogger();

const sinkConfig = (): SinkConfig =>
  resolveConfig(
    { dataDir, runners: [{ name: 'r', device: 'cpu' }], sink: { destinations: [{ name: 'hook', type: 'http', url: receiver.url, batch: { maxRecords: 7 } }] } },
    {},
    { source: 'test' },
  ).sink;

beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'infermesh-replay-'));
  receiver = await new HttpReceiver().start();
});
afterEach(async () => {
  await receiver.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('replayDeadLetters', () => {
  it('sends every dead-lettered record again, oldest file first, and moves replayed files aside', async () => {
    const config = sinkConfig();
    const file = new DeadLetterFile(config.spool.dir, 'hook', { maxFileBytes: 6 * 1024, maxBytes: 1 << 20 });
    const items = deliveryItems(30);
    for (let i = 0; i < 30; i += 3) await file.write(items.slice(i, i + 3), 'HTTP 400', 1);

    expect(await replayDeadLetters(config, 'hook', logger)).toMatchObject({ records: 30 });
    expect(receiver.events.map((event) => (event.data as { id: string }).id)).toEqual(items.map((item) => item.id));
    const deadLetters = path.join(config.spool.dir, 'dead-letters');
    expect((await readdir(deadLetters)).filter((name) => name.endsWith('.jsonl'))).toEqual([]);
    expect((await readdir(path.join(deadLetters, 'replayed'))).length).toBeGreaterThan(1);
    expect(await replayDeadLetters(config, 'hook', logger)).toEqual({ files: 0, records: 0 });
  });

  it('stops at a refused batch, leaves its file in place and says how far it got', async () => {
    const config = sinkConfig();
    await new DeadLetterFile(config.spool.dir, 'hook').write(deliveryItems(10), 'HTTP 503', 3);
    receiver.status = 400;
    await expect(replayDeadLetters(config, 'hook', logger)).rejects.toThrow(/hook refused records 1-7 of .*hook\.000001\.jsonl: .*400.*0 records replayed so far/);
    expect(await readdir(path.join(config.spool.dir, 'dead-letters'))).toContain('hook.000001.jsonl');
  });

  it('names the destinations there are when asked for one that is not', async () => {
    await expect(replayDeadLetters(sinkConfig(), 'nope', logger)).rejects.toThrow("no destination 'nope' in the sink's config (destinations: hook)");
  });
});
