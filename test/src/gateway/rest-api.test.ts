/**
 * The Open Inference Protocol's HTTP/JSON API on the gateway's HTTP port, against a real
 * runner: health, metadata, readiness and inference with Node's stock HTTP client (fetch) and
 * with curl; errors come back as {"error"} with the HTTP status of their gRPC code, naming
 * what is wrong.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '@infermesh/gateway';
import type { Runner } from '@infermesh/runners';
import { exampleRepository, waitFor } from '@infermesh/testkit';
import { startGatewayInProcess, startRunnerInProcess } from '../harness/index.js';

const run = promisify(execFile);
const MAX_BODY = 1 << 20;

let repo: Awaited<ReturnType<typeof exampleRepository>>;
let runner: Runner;
let gateway: Gateway;
let base: string;

beforeAll(async () => {
  repo = await exampleRepository();
  runner = await startRunnerInProcess(repo.dir);
  gateway = await startGatewayInProcess([runner.address], { httpPort: 0, maxMessageBytes: MAX_BODY });
  base = `http://${gateway.httpAddress}`;
  await waitFor(async () => (await fetch(`${base}/v2/models/simple/ready`)).status === 200, 30_000, 'simple to be ready over REST');
}, 120_000);

afterAll(async () => {
  await gateway?.close();
  await runner?.close();
  await repo?.remove();
});

const post = (path: string, body: unknown) =>
  fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });

const simpleRequest = (rows: number[][], other = 1) => ({
  id: 'rest-1',
  inputs: [
    { name: 'INPUT0', shape: [rows.length, 16], datatype: 'INT32', data: rows },
    { name: 'INPUT1', shape: [rows.length, 16], datatype: 'INT32', data: rows.flat().map(() => other) },
  ],
});

describe('REST API (Open Inference Protocol, HTTP/JSON)', () => {
  it('answers health, server metadata, model metadata and readiness', async () => {
    expect(await (await fetch(`${base}/v2/health/live`)).json()).toEqual({ live: true });
    expect((await fetch(`${base}/v2/health/ready`)).status).toBe(200);
    const server = (await (await fetch(`${base}/v2`)).json()) as { name: string; extensions: string[] };
    expect(server.name).toBe('infermesh');
    const metadata = (await (await fetch(`${base}/v2/models/simple`)).json()) as { name: string; inputs: { name: string; datatype: string; shape: number[] }[] };
    expect(metadata.name).toBe('simple');
    expect(metadata.inputs.map((input) => [input.name, input.datatype])).toEqual([
      ['INPUT0', 'INT32'],
      ['INPUT1', 'INT32'],
    ]);
    const missing = await fetch(`${base}/v2/models/no_such_model/ready`);
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({ ready: false });
  });

  it('runs inference from nested JSON data and answers JSON outputs', async () => {
    const rows = [Array.from({ length: 16 }, (_, i) => i), Array.from({ length: 16 }, (_, i) => 100 + i)];
    const response = await post('/v2/models/simple/infer', simpleRequest(rows, 2));
    expect(response.status).toBe(200);
    const body = (await response.json()) as { model_name: string; id: string; outputs: { name: string; shape: number[]; datatype: string; data: number[] }[] };
    expect(body.model_name).toBe('simple');
    expect(body.id).toBe('rest-1');
    const sum = body.outputs.find((output) => output.name === 'OUTPUT0')!;
    expect(sum).toMatchObject({ datatype: 'INT32', shape: [2, 16] });
    expect(sum.data).toEqual(rows.flat().map((value) => value + 2));
  });

  it('pins a version from the path', async () => {
    const input = { inputs: [{ name: 'input', shape: [1, 64], datatype: 'FP32', data: new Array(64).fill(0.5) }] };
    const body = (await (await post('/v2/models/mlp/versions/1/infer', input)).json()) as { model_version: string; outputs: { shape: number[] }[] };
    expect(body.model_version).toBe('1');
    expect(body.outputs[0]!.shape).toEqual([1, 10]);
  });

  it('refuses bad requests with the HTTP status of their gRPC code, naming what is wrong', async () => {
    const short = await post('/v2/models/simple/infer', { inputs: [{ name: 'INPUT0', shape: [1, 16], datatype: 'INT32', data: [1, 2, 3] }] });
    expect(short.status).toBe(400);
    expect(((await short.json()) as { error: string }).error).toMatch(/inputs\[0\]\.data: expected 16 elements/);
    const half = await post('/v2/models/simple/infer', { inputs: [{ name: 'INPUT0', shape: [1], datatype: 'FP16', data: [1] }] });
    expect(half.status).toBe(400);
    expect(((await half.json()) as { error: string }).error).toMatch(/FP16 has no JSON form/);
    const wrongType = await post('/v2/models/simple/infer', { inputs: [{ name: 'INPUT0', shape: [2], datatype: 'INT32', data: [1, 'x'] }] });
    expect(((await wrongType.json()) as { error: string }).error).toMatch(/inputs\[0\]\.data\[1\]: expected an integer/);
    const notJson = await post('/v2/models/simple/infer', '{"inputs": [');
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as { error: string }).error).toMatch(/not JSON/);
    const unknown = await post('/v2/models/no_such_model/infer', simpleRequest([new Array(16).fill(1)]));
    expect(unknown.status).toBe(404);
    const missingInput = await post('/v2/models/simple/infer', { inputs: [{ name: 'INPUT0', shape: [1, 16], datatype: 'INT32', data: new Array(16).fill(1) }] });
    expect(missingInput.status).toBe(400);
    expect(((await missingInput.json()) as { error: string }).error).toMatch(/INPUT1/);
    const tooLarge = await post('/v2/models/simple/infer', 'x'.repeat(MAX_BODY + 1));
    expect(tooLarge.status).toBe(413);
    expect((await fetch(`${base}/v2/models/simple/infer`)).status).toBe(405);
    expect((await fetch(`${base}/v2/nothing/here`)).status).toBe(404);
  });

  it('serves curl', async () => {
    const { stdout } = await run('curl', ['-s', '-X', 'POST', '-H', 'content-type: application/json', '--data-binary', JSON.stringify(simpleRequest([new Array(16).fill(5)], 3)), `${base}/v2/models/simple/infer`]);
    const body = JSON.parse(stdout) as { outputs: { name: string; data: number[] }[] };
    expect(body.outputs.find((output) => output.name === 'OUTPUT1')!.data).toEqual(new Array(16).fill(2));
    const { stdout: live } = await run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', `${base}/v2/health/live`]);
    expect(live).toBe('200');
  });
});
