/**
 * `@infermesh/client` as a user gets it from npm: packed with `npm pack` (with the
 * `@infermesh/proto` package it depends on), installed into an empty project outside this
 * repository, and run by node against a real mesh: infer with typed outputs, a deadline, an
 * AbortSignal and the stream helper. Nothing of the workspace may be needed at run time.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleRepository } from '@infermesh/testkit';
import { startMesh, type TestMesh } from '../harness/index.js';
import { repoRoot } from '../docs/doc-snippets.js';

const execFileAsync = promisify(execFile);

/** What the program prints: one JSON document. */
interface Report {
  sum: number[];
  datatype: string;
  wrongDatatype: string;
  aborted: string;
  deadline: number;
  stream: (number[] | string)[];
}

const PROGRAM = `
import { InferenceClient, StreamInferError } from '@infermesh/client';
const client = new InferenceClient(process.argv[2]);
const inputs = (a) => ({
  INPUT0: { datatype: 'INT32', shape: [1, 16], data: Int32Array.from({ length: 16 }, (_, i) => i * a) },
  INPUT1: { datatype: 'INT32', shape: [1, 16], data: new Int32Array(16).fill(1) },
});
const result = await client.infer('simple', inputs(1), { id: 'pkg-1', timeoutMs: 30000 });
const sum = result.output('OUTPUT0', 'INT32');
let wrongDatatype = '';
try { result.output('OUTPUT0', 'FP32'); } catch (error) { wrongDatatype = error.message; }
const controller = new AbortController();
const pending = client.infer('simple', inputs(2), { signal: controller.signal });
controller.abort(new Error('caller gave up'));
const aborted = await pending.then(() => 'answered', (error) => error.message);
const deadline = await client.infer('simple', inputs(1), { deadline: Date.now() - 1 }).then(() => 0, (error) => error.code);
const stream = client.openStream({ timeoutMs: 30000 });
const answers = await Promise.all([
  stream.infer('simple', inputs(1), { id: 's1' }),
  stream.infer('simple', { INPUT0: { datatype: 'INT32', shape: [1, 3], data: new Int32Array(3) } }, { id: 's2' }),
  stream.infer('simple', inputs(3), { id: 's3' }),
].map((p) => p.then((r) => Array.from(r.output('OUTPUT0', 'INT32').data), (e) => (e instanceof StreamInferError ? 'error ' + e.requestId : 'other ' + e.message))));
await stream.end();
client.close();
console.log(JSON.stringify({ sum: Array.from(sum.data), datatype: sum.data.constructor.name, wrongDatatype, aborted, deadline, stream: answers }));
`;

let mesh: TestMesh | undefined;
let models: Awaited<ReturnType<typeof exampleRepository>> | undefined;
let project: string | undefined;

beforeAll(async () => {
  project = await mkdtemp(path.join(tmpdir(), 'infermesh-client-package-'));
  const packs = path.join(project, 'packs');
  await mkdir(packs);
  await execFileAsync('npm', ['pack', '-w', '@infermesh/proto', '-w', '@infermesh/client', '--pack-destination', packs], { cwd: repoRoot, timeout: 120_000 });
  const tarballs = await readdir(packs);
  const app = path.join(project, 'app');
  await mkdir(app);
  const dependencies = Object.fromEntries(tarballs.map((file) => [file.startsWith('infermesh-proto') ? '@infermesh/proto' : '@infermesh/client', `file:../packs/${file}`]));
  await writeFile(path.join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module', dependencies }));
  await writeFile(path.join(app, 'main.mjs'), PROGRAM);
  // From the npm cache that `npm ci` filled (the registry where the cache lacks something).
  await execFileAsync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: app, timeout: 300_000 });
  models = await exampleRepository();
  mesh = await startMesh({ modelRepository: models.dir });
}, 600_000);

afterAll(async () => {
  await mesh?.stop();
  await models?.remove();
  if (project) await rm(project, { recursive: true, force: true });
}, 120_000);

describe('@infermesh/client from its npm package', () => {
  it('installs without any other package of the workspace', async () => {
    expect((await readdir(path.join(project!, 'app', 'node_modules', '@infermesh'))).sort()).toEqual(['client', 'proto']);
  });

  it('infers with typed outputs, a deadline, an AbortSignal and a stream', async () => {
    const { stdout } = await execFileAsync(process.execPath, ['main.mjs', mesh!.gateway], { cwd: path.join(project!, 'app'), timeout: 120_000 });
    const report = JSON.parse(stdout) as Report;
    const expected = (a: number) => Array.from({ length: 16 }, (_, i) => i * a + 1);
    expect(report.sum).toEqual(expected(1));
    expect(report.datatype).toBe('Int32Array');
    expect(report.wrongDatatype).toBe("output 'OUTPUT0' is INT32, not FP32");
    expect(report.aborted).toBe('caller gave up');
    expect(report.deadline).toBe(4); // DEADLINE_EXCEEDED
    expect(report.stream).toEqual([expected(1), 'error s2', expected(3)]);
  });
});
