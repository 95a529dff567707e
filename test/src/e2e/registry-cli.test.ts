/**
 * The `infermesh` command (run as `npx infermesh` does, through node_modules/.bin) against a
 * real registry with a runner: a whole canary rollout of mlp v2, and a clear message for
 * every kind of mistake.
 */
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mlpModel } from '@infermesh/testkit';
import { failingMlpModel } from '../registry/models.js';
import { startRegistryMesh, type RegistryMesh } from '../registry/registry-mesh.js';

/** The bin npm links for the cli workspace: what `npx infermesh` runs. */
const BIN = fileURLToPath(new URL('../../../node_modules/.bin/infermesh', import.meta.url));

let mesh: RegistryMesh;
let v1: string;
let v2: string;

/** Runs the command; resolves with its exit code and output whatever the code. */
function infermesh(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(BIN, args, { env: { ...process.env, INFERMESH_REGISTRY_ADDRESS: mesh.registryAddress }, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  mesh = await startRegistryMesh({ devices: ['cpu'] });
  v1 = join(mesh.dataDir, 'mlp-v1.onnx');
  v2 = join(mesh.dataDir, 'mlp-v2.onnx');
  await writeFile(v1, mlpModel(1));
  await writeFile(v2, mlpModel(2));
}, 120_000);

afterAll(async () => {
  await mesh?.stop();
});

describe('infermesh CLI', () => {
  it('runs a whole canary rollout of mlp v2', async () => {
    const pushed = await infermesh('models', 'push', 'mlp', v1, '--version', '1', '--label', 'team=search');
    expect(pushed).toMatchObject({ code: 0, stderr: '' });
    expect(pushed.stdout).toMatch(/^registered mlp v1 \(9\.7 KiB, sha256 [0-9a-f]{64}\): input FP32 \[-1,64\] → output FP32 \[-1,10\]\n/);

    expect(await infermesh('rollout', 'set', 'mlp', '--stable', '1')).toMatchObject({ code: 0, stdout: 'mlp: stable v1\nmlp v1 is ready on runner-0\n' });

    const config = join(mesh.dataDir, 'mlp-v2.yaml');
    await writeFile(config, 'instances: 2\n');
    expect((await infermesh('models', 'push', 'mlp', v2, '--model-config', config)).stdout).toMatch(/^registered mlp v2 /);
    const canary = await infermesh('rollout', 'set', 'mlp', '--canary', '2', '--weight', '10', '--sticky-header', 'x-user', '--reason', 'try v2');
    expect(canary).toMatchObject({ code: 0, stdout: 'mlp: stable v1, canary v2 at 10 % (sticky by x-user)\nmlp v2 is ready on runner-0\n' });

    const status = await infermesh('status');
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('mlp    1        serving  stable 90 %  runner-0  cpu');
    expect(status.stdout).toContain('mlp    2        serving  canary 10 %  runner-0  cpu');
    expect(status.stdout).toMatch(/runner-0 +127\.0\.0\.1:\d+ +cpu +live +mlp:1 mlp:2/);

    const show = await infermesh('models', 'show', 'mlp');
    expect(show.stdout).toContain('mlp: stable v1, canary v2 at 10 % (sticky by x-user)');
    expect(show.stdout).toContain('  config     instances: 2');
    expect(show.stdout).toContain('  labels     team=search');

    expect(await infermesh('rollout', 'set', 'mlp', '--weight', '50')).toMatchObject({ code: 0, stdout: 'mlp: stable v1, canary v2 at 50 % (sticky by x-user)\n' });
    expect((await infermesh('rollout', 'promote', 'mlp', '--reason', 'v2 is better')).stdout).toBe(
      'mlp: v2 is now stable (was v1); it takes every call without a rule\n',
    );
    const history = await infermesh('rollout', 'history', 'mlp');
    const rows = history.stdout.trim().split('\n');
    expect(rows[0]).toMatch(/^TIME +ACTION +BY +STABLE +CANARY +SHADOW +REASON$/);
    expect(rows.slice(1).map((row) => row.split(/ {2,}/).slice(1))).toEqual([
      ['SET', expect.stringMatching(/@/), 'v1', '-', '-', '-'],
      ['SET', expect.stringMatching(/@/), 'v1', 'v2 10 %', '-', 'try v2'],
      ['SET', expect.stringMatching(/@/), 'v1', 'v2 50 %', '-', '-'],
      ['PROMOTE v2', expect.stringMatching(/@/), 'v2', '-', '-', 'v2 is better'],
    ]);
    const list = await infermesh('models', 'list');
    expect(list.stdout).toMatch(/^MODEL +VERSION +STATUS +TRAFFIC +RUNNERS +SHA256 +CREATED\n/);
    expect(list.stdout).toMatch(/\nmlp +2 +serving +stable 100 % +runner-0 +[0-9a-f]{12} /);
  }, 120_000);

  it('fails `rollout set` as soon as every runner failed to load the version, with their reasons', async () => {
    // Valid by every schema, but its warm-up run fails inside onnxruntime on the runner.
    const broken = join(mesh.dataDir, 'mlp-broken.onnx');
    await writeFile(broken, failingMlpModel());
    const config = join(mesh.dataDir, 'warmup.yaml');
    await writeFile(config, 'warmup:\n  count: 1\n');
    expect((await infermesh('models', 'push', 'mlp', broken, '--version', '3', '--model-config', config)).code).toBe(0);
    // The default --wait-timeout is 300 s; the command's own timeout of 60 s would end a wait that long.
    const set = await infermesh('rollout', 'set', 'mlp', '--canary', '3', '--weight', '10');
    expect(set.code).toBe(1);
    expect(set.stdout).toBe('mlp: stable v2, canary v3 at 10 % (sticky by x-user)\n');
    expect(set.stderr).toMatch(
      /^infermesh: mlp v3 failed: every runner failed to load it: runner-0: model 'mlp' version 3 failed to load: [\s\S]+ \(the rollout change is saved; see infermesh models show mlp\)\n$/,
    );
    const show = await infermesh('models', 'show', 'mlp');
    expect(show.stdout).toMatch(/\nv3 {2}failed \(every runner failed to load it: runner-0: /);
    expect((await infermesh('rollout', 'rollback', 'mlp', '--reason', 'cannot load')).code).toBe(0);
  }, 120_000);

  it('says what is wrong, on stderr, with a non-zero exit', async () => {
    const closed = createServer().listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as { port: number }).port;
    closed.close();
    expect(await infermesh('--registry', `127.0.0.1:${port}`, 'models', 'list')).toEqual({
      code: 1,
      stdout: '',
      stderr: `infermesh: cannot reach the registry at 127.0.0.1:${port} (ECONNREFUSED); is the mesh running (npm start)? --registry host:port names another one\n`,
    });
    expect(await infermesh('models', 'show', 'nope')).toMatchObject({ code: 1, stderr: "infermesh: NOT_FOUND: unknown model 'nope'\n" });
    expect(await infermesh('rollout', 'rollback', 'mlp')).toMatchObject({ code: 1, stderr: "infermesh: FAILED_PRECONDITION: model 'mlp' has no canary to roll back\n" });
    expect(await infermesh('models', 'push', 'mlp', join(mesh.dataDir, 'missing.onnx'))).toMatchObject({
      code: 1,
      stderr: `infermesh: no file at '${join(mesh.dataDir, 'missing.onnx')}'\n`,
    });
    expect((await infermesh('rollout', 'set', 'mlp', '--weight', '150')).stderr).toContain(
      "error: option '--weight <percent>' argument '150' is invalid. expected a percentage from 0 to 100 (at most two decimals), e.g. 10 or 2.5",
    );
    expect(await infermesh('rollout', 'set', 'mlp')).toMatchObject({
      code: 1,
      stderr: 'infermesh: nothing to change: give --stable, --canary, --weight, --rule, --sticky-header, --shadow, a policy or a promotion option\n',
    });
    expect((await infermesh('rollout', 'set', 'mlp', '--rule', 'x-pin')).stderr).toContain('expected header[=value]:version or header[=value]:canary');
    expect(await infermesh('models', 'push', 'mlp', v1, '--version', '2')).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^infermesh: ALREADY_EXISTS: model 'mlp' version 2 already exists with sha256 [0-9a-f]{64}; versions never change/),
    });
  }, 60_000);
});
