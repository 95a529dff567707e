/**
 * `infermesh replay`: calls recorded through a real gateway and sink (jsonl and, where it
 * runs, PostgreSQL) are re-sent by the CLI process to a candidate version; the report's
 * agreement, counts and shape, and its errors for sources it cannot replay.
 */
import { randomBytes } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InferenceClient } from '@infermesh/client';
import type { Gateway } from '@infermesh/gateway';
import { LOCAL_SERVICES, localServicesAvailable, waitFor } from '@infermesh/testkit';
import { runInfermesh, startPublishingMesh, type PublishingMesh } from '../harness/index.js';

const postgres = await localServicesAvailable('postgres');
const table = `replay_test_${randomBytes(6).toString('hex')}`;

let mesh: PublishingMesh | undefined;
let dataDir: string;
let configFile: string;
let gateway: Gateway | undefined;
let client: InferenceClient | undefined;
/** When the second batch of recorded calls started. */
let secondBatchAt: string;

const RECORDED = 24;
const LATER = 4;

const sinkSection = () => ({
  port: 0,
  metricsPort: null,
  destinations: [
    { name: 'files', type: 'jsonl', batch: { maxDelayMs: 20 } },
    ...(postgres ? [{ name: 'warehouse', type: 'postgres', url: LOCAL_SERVICES.postgres.url, table, batch: { maxDelayMs: 20 } }] : []),
  ],
  publisher: { captureInputs: ['mlp'] },
});

const infermesh = (...args: string[]) => runInfermesh(['-c', configFile, ...args], { timeoutMs: 120_000 });

interface Report {
  source: string;
  model: string;
  version: string;
  records: { matching: number; replayed: number; failed: number; withoutInputs: number; tensorsOmitted: number; otherRecords: number };
  calls: { sent: number; answered: number; failed: number; failures: Record<string, number> };
  agreement: { calls: number; exact: number; agreeing: number; exactShare: number; agreementShare: number; argmaxShare: number; maxAbsDiff: number };
  latencyMs: { candidate: Record<string, number>; recorded: Record<string, number> };
  elapsedMs: number;
}

async function replay(...args: string[]): Promise<Report> {
  const run = await infermesh('replay', '--gateway', gateway!.address, '--json', ...args);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as Report;
}

const input = (i: number) => ({ input: { datatype: 'FP32' as const, shape: [1, 64], data: Float32Array.from({ length: 64 }, (_, k) => Math.sin(i * 7.3 + k)) } });

async function recordedLines(): Promise<string[]> {
  const dir = join(dataDir, 'predictions');
  const files = (await readdir(dir).catch(() => [])).filter((name) => name.endsWith('.jsonl'));
  const texts = await Promise.all(files.map((name) => readFile(join(dir, name), 'utf8')));
  return texts.join('').split('\n').filter((line) => line.startsWith('{"kind":"prediction"'));
}

describe('infermesh replay', () => {
  beforeAll(async () => {
    mesh = await startPublishingMesh(sinkSection);
    ({ dataDir, gateway, client } = mesh);
    configFile = join(dataDir, 'infermesh.json');
    await writeFile(configFile, JSON.stringify(mesh.config));
    await waitFor(() => client!.modelReady('mlp', '2'), 60_000, 'mlp v2 to be routable');
    for (let i = 0; i < RECORDED - LATER; i++) await client!.infer('mlp', input(i), { version: '1' });
    await client!.infer('simple', { INPUT0: { datatype: 'INT32', shape: [1, 16], data: new Int32Array(16) }, INPUT1: { datatype: 'INT32', shape: [1, 16], data: new Int32Array(16) } });
    await waitFor(async () => (await recordedLines()).length === RECORDED - LATER + 1, 30_000, 'the first calls to be recorded');
    await new Promise((resolve) => setTimeout(resolve, 20));
    secondBatchAt = new Date().toISOString();
    for (let i = RECORDED - LATER; i < RECORDED; i++) await client!.infer('mlp', input(i), { version: '1' });
    await waitFor(async () => (await recordedLines()).length === RECORDED + 1, 30_000, 'every call to be recorded');
  }, 180_000);

  afterAll(async () => {
    await mesh?.close();
    if (postgres) {
      const db = new pg.Client({ connectionString: LOCAL_SERVICES.postgres.url });
      await db.connect();
      await db.query(`DROP TABLE IF EXISTS ${table}`);
      await db.end();
    }
  });

  it('agrees 100 % with the recorded answers when replayed against the version that answered them, in the --json shape', async () => {
    const report = await replay('--from', join(dataDir, 'predictions'), '--model', 'mlp', '--version', '1');
    expect(Object.keys(report).sort()).toEqual(['agreement', 'calls', 'elapsedMs', 'latencyMs', 'model', 'records', 'source', 'version']);
    expect(report).toMatchObject({
      model: 'mlp',
      version: '1',
      records: { matching: RECORDED, replayed: RECORDED, failed: 0, withoutInputs: 0, otherRecords: 1 },
      calls: { sent: RECORDED, answered: RECORDED, failed: 0, failures: {} },
      agreement: { calls: RECORDED, exact: RECORDED, agreeing: RECORDED, exactShare: 1, agreementShare: 1, maxAbsDiff: 0 },
    });
    for (const key of ['p50', 'p90', 'p99', 'max', 'mean']) {
      expect(report.latencyMs.candidate[key]).toBeGreaterThan(0);
      expect(report.latencyMs.recorded[key]).toBeGreaterThan(0);
    }
    // The gateway does not record replayed calls: the record set is what it was.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await recordedLines()).toHaveLength(RECORDED + 1);
  }, 120_000);

  it('measures less than 100 % agreement for mlp v2 replayed from v1 records, the same figures on every run', async () => {
    const first = await replay('--from', join(dataDir, 'predictions'), '--model', 'mlp', '--version', '2');
    expect(first.agreement.calls).toBe(RECORDED);
    expect(first.agreement.exactShare).toBe(0);
    expect(first.agreement.agreementShare).toBeLessThan(1);
    expect(first.agreement.maxAbsDiff).toBeGreaterThan(0);
    const again = await replay('--from', 'files', '--model', 'mlp', '--version', '2');
    expect(again.agreement).toEqual(first.agreement);
    expect(again.source).toBe('destination files');
  }, 120_000);

  it('replays the first --limit records, and only those at or after --since', async () => {
    const limited = await replay('--from', join(dataDir, 'predictions'), '--model', 'mlp', '--version', '1', '--limit', '5', '--rate', '200');
    expect(limited.records.replayed).toBe(5);
    expect(limited.calls.sent).toBe(5);
    const later = await replay('--from', join(dataDir, 'predictions'), '--model', 'mlp', '--version', '1', '--since', secondBatchAt);
    expect(later.records).toMatchObject({ matching: LATER, replayed: LATER });
    expect(later.agreement.agreementShare).toBe(1);
  }, 120_000);

  it.skipIf(!postgres)('replays from a postgres destination in the same order, with the same agreement', async () => {
    await waitFor(async () => {
      const db = new pg.Client({ connectionString: LOCAL_SERVICES.postgres.url });
      await db.connect();
      try {
        const { rows } = await db.query<{ count: string }>(`SELECT count(*) AS count FROM ${table} WHERE model_name = 'mlp'`);
        return Number(rows[0]!.count) === RECORDED;
      } finally {
        await db.end();
      }
    }, 30_000, 'the records to reach postgres');
    const fromFiles = await replay('--from', join(dataDir, 'predictions'), '--model', 'mlp', '--version', '2');
    const fromPostgres = await replay('--from', 'warehouse', '--model', 'mlp', '--version', '2');
    expect(fromPostgres.source).toBe('destination warehouse');
    expect(fromPostgres.records.replayed).toBe(RECORDED);
    expect(fromPostgres.agreement).toEqual(fromFiles.agreement);
    const later = await replay('--from', 'warehouse', '--model', 'mlp', '--version', '1', '--since', secondBatchAt);
    expect(later.records.replayed).toBe(LATER);
  }, 120_000);

  it('says why it cannot replay: records without captured inputs, an unknown model or version, a bad file, an unknown source', async () => {
    const sinkDir = join(dataDir, 'predictions');
    const noInputs = await infermesh('replay', '--gateway', gateway!.address, '--from', sinkDir, '--model', 'simple', '--version', '1');
    expect(noInputs.code).toBe(1);
    expect(noInputs.stderr).toContain("have no captured inputs; add 'simple' to sink.publisher.captureInputs");
    const unknown = await infermesh('replay', '--gateway', gateway!.address, '--from', sinkDir, '--model', 'nope', '--version', '1');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("has no model 'nope' version 1");
    const badVersion = await infermesh('replay', '--gateway', gateway!.address, '--from', sinkDir, '--model', 'mlp', '--version', '9');
    expect(badVersion.stderr).toContain("has no model 'mlp' version 9");
    const bad = join(dataDir, 'bad.jsonl');
    await writeFile(bad, `${(await recordedLines())[0]}\nnot json\n`);
    const badFile = await infermesh('replay', '--gateway', gateway!.address, '--from', bad, '--model', 'mlp', '--version', '1');
    expect(badFile.code).toBe(1);
    expect(badFile.stderr).toContain(`${bad} line 2: not a JSON record`);
    const nowhere = await infermesh('replay', '--gateway', gateway!.address, '--from', 'no-such-thing', '--model', 'mlp', '--version', '1');
    expect(nowhere.code).toBe(1);
    expect(nowhere.stderr).toContain("--from no-such-thing: it is no file, and the sink could not read it as a destination");
    expect(nowhere.stderr).toContain("no destination 'no-such-thing'");
  }, 120_000);

  it('prints a text report without --json, and no progress bar when piped', async () => {
    const run = await infermesh('replay', '--gateway', gateway!.address, '--from', join(dataDir, 'predictions'), '--model', 'mlp', '--version', '1', '--limit', '3');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('replayed 3 recorded calls of mlp');
    expect(run.stdout).toContain('agreement  100.00 % agree, 100.00 % exact');
    expect(run.stderr).toBe('');
  }, 120_000);
});
