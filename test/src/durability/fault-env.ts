/** One fault's surroundings: a data folder with a mesh config for the sink, and an HTTP receiver as a destination. */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HttpReceiver } from '@infermesh/testkit';
import { countIds, jsonlIds, type Deliveries } from './delivery-count.js';
import { testRecord } from './record-publisher.js';
import type { PredictionRecord } from '@infermesh/proto/sink';

/** What a fault runs in. */
export interface FaultEnv {
  dataDir: string;
  spoolDir: string;
  configFile: string;
  /** The webhook the sink's `hook` destination posts to. */
  receiver: HttpReceiver;
  /** Folder of the `files` destination (jsonl), when there is one. */
  filesDir: string;
  /** The raw mesh config (for an in-process sink). */
  config: Record<string, unknown>;
  hookDeliveries(): Deliveries;
  fileDeliveries(): Promise<Deliveries>;
  /** `count` records named after the fault, from `first`. */
  records(first: number, count: number): PredictionRecord[];
  segmentFiles(): Promise<string[]>;
  remove(): Promise<void>;
}

/** A destination's `retry` section. */
export interface RetrySettings {
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  outageWindowMs?: number;
}

const defaultRetry: RetrySettings = { maxAttempts: 0, initialDelayMs: 20, maxDelayMs: 200 };

export async function faultEnv(name: string, options: { segmentBytes: number; files: boolean; retry?: RetrySettings }): Promise<FaultEnv> {
  const retry = options.retry ?? defaultRetry;
  const dataDir = await mkdtemp(path.join(tmpdir(), `infermesh-durability-${name}-`));
  const spoolDir = path.join(dataDir, 'spool');
  const filesDir = path.join(dataDir, 'files');
  const receiver = await new HttpReceiver().start();
  const destinations: Record<string, unknown>[] = [{ name: 'hook', type: 'http', url: receiver.url, batch: { maxRecords: 200, maxDelayMs: 20 }, retry }];
  if (options.files) destinations.push({ name: 'files', type: 'jsonl', dir: filesDir, batch: { maxRecords: 200, maxDelayMs: 20 }, retry });
  const config = {
    dataDir,
    log: { level: 'info' },
    runners: [{ name: 'r', device: 'cpu' }],
    sink: { port: 0, metricsPort: null, spool: { dir: spoolDir, segmentBytes: options.segmentBytes, maxGroupBytes: 64 * 1024 }, destinations },
  };
  const configFile = path.join(dataDir, 'infermesh.json');
  await writeFile(configFile, JSON.stringify(config));
  return {
    dataDir,
    spoolDir,
    configFile,
    receiver,
    filesDir,
    config,
    hookDeliveries: () => countIds(receiver.events.map((event) => (event.data as { id: string }).id)),
    fileDeliveries: async () => countIds(await jsonlIds(filesDir)),
    records: (first, count) => Array.from({ length: count }, (_, i) => testRecord(`${name}-${first + i}`, first + i)),
    segmentFiles: async () => (await readdir(path.join(spoolDir, 'segments'))).sort().map((file) => path.join(spoolDir, 'segments', file)),
    remove: async () => {
      await receiver.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
