/**
 * The `infermesh` command's output for scripts and pipes: `-o json` prints one JSON document
 * with the documented fields (hints and progress on stderr), `-o table` the text; a reader that
 * closes the pipe early ends it quietly; `models push` suggests the step that fits the model.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRegistryConfig, silentLogger } from '@infermesh/common';
import { createRegistry, type RunningRegistry } from '@infermesh/registry';
import { mlpModel } from '@infermesh/testkit';
import { INFERMESH_BIN, runInfermesh } from '../harness/index.js';

let dir: string;
let registry: RunningRegistry;

const infermesh = (...args: string[]) => runInfermesh(args, { env: { ...process.env, INFERMESH_REGISTRY_ADDRESS: registry.address } });

/** Runs a command with `-o json`, expecting success, and parses its stdout. */
async function json<T = Record<string, unknown>>(...args: string[]): Promise<T> {
  const run = await infermesh('-o', 'json', ...args);
  expect(run, run.stderr).toMatchObject({ code: 0 });
  return JSON.parse(run.stdout) as T;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'infermesh-cli-output-'));
  await writeFile(path.join(dir, 'mlp1.onnx'), mlpModel(1));
  await writeFile(path.join(dir, 'mlp2.onnx'), mlpModel(2));
  registry = await createRegistry({ config: parseRegistryConfig({ port: 0 }), dataDir: dir, maxMessageBytes: 1 << 24, logger: silentLogger() });
}, 60_000);

afterAll(async () => {
  await registry?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('infermesh -o json|table', () => {
  it('prints JSON objects for scripts and suggests the step that fits the model', async () => {
    expect(await json('models', 'list')).toEqual({ models: [] });

    // A first version: only --stable can serve it (a canary needs a stable version).
    const first = await infermesh('models', 'push', 'mlp', path.join(dir, 'mlp1.onnx'), '-o', 'json');
    expect(first.code, first.stderr).toBe(0);
    const pushed = JSON.parse(first.stdout) as { created: boolean; next: string; version: Record<string, unknown> };
    expect(pushed.created).toBe(true);
    expect(pushed.next).toBe('serve it with: infermesh rollout set mlp --stable 1');
    expect(first.stderr).toContain('serve it with: infermesh rollout set mlp --stable 1');
    expect(pushed.version).toMatchObject({ model: 'mlp', version: 1, status: 'registered', traffic_percent: 0, runners: [] });
    expect(pushed.version.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(Date.parse(pushed.version.created_at as string)).not.toBeNaN();

    const set = await json<{ model: string; rollout: Record<string, unknown> }>('rollout', 'set', 'mlp', '--stable', '1', '--no-wait');
    expect(set).toMatchObject({ model: 'mlp', rollout: { stable_version: 1, canary_version: null, canary_weight_percent: 0, rules: [] } });

    // A later version: the table's hint names the canary.
    const second = await infermesh('models', 'push', 'mlp', path.join(dir, 'mlp2.onnx'));
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain('make it the canary with: infermesh rollout set mlp --canary 2 --weight 5');
    expect(second.stdout).not.toContain('{');
    await json('rollout', 'set', 'mlp', '--canary', '2', '--weight', '12.5', '--no-wait');

    const shown = await json<{ name: string; rollout: Record<string, unknown>; versions: Array<Record<string, unknown>> }>('models', 'show', 'mlp');
    expect(shown.name).toBe('mlp');
    expect(shown.rollout).toMatchObject({ stable_version: 1, canary_version: 2, canary_weight_percent: 12.5 });
    expect(shown.versions.map((v) => [v.version, v.traffic_percent])).toEqual([
      [1, 87.5],
      [2, 12.5],
    ]);
    expect(shown.versions[0]!.inputs).toEqual([expect.objectContaining({ datatype: 'FP32', shape: expect.arrayContaining([expect.any(Number)]) })]);

    const listed = await json<{ models: unknown[] }>('models', 'list');
    expect(listed.models).toEqual([shown]);

    const history = await json<{ model: string; events: Array<Record<string, unknown>> }>('rollout', 'history', 'mlp');
    expect(history.events.length).toBeGreaterThanOrEqual(2);
    expect(history.events).toContainEqual(expect.objectContaining({ action: 'SET', canary_version: 2, canary_weight_percent: 12.5 }));

    const status = await json<{ models: unknown[]; runners: unknown[] }>('status');
    expect(status).toEqual({ models: [shown], runners: [] });

    const rolledBack = await json('rollout', 'rollback', 'mlp', '--reason', 'test');
    expect(rolledBack).toMatchObject({ model: 'mlp', rolled_back_version: 2, rollout: { stable_version: 1, canary_version: null } });

    const retired = await json('models', 'retire', 'mlp', '2');
    expect(retired).toMatchObject({ model: 'mlp', version: 2, status: 'retired' });

    // The table stays text.
    const table = await infermesh('models', 'list', '--output', 'table');
    expect(table.stdout.split('\n')[0]).toMatch(/^MODEL\s+VERSION\s+STATUS/);
    expect((await infermesh('-o', 'yaml', 'models', 'list')).stderr).toContain("Allowed choices are table, json");
  });

  it('lists what examples wrote, and then that nothing was left to write', async () => {
    const repository = path.join(dir, 'examples');
    const first = await json<{ directory: string; written: string[] }>('examples', repository);
    expect(first.directory).toBe(repository);
    expect(first.written).toContain(path.join(repository, 'mlp', '2', 'model.onnx'));
    expect(first.written).toHaveLength(5);
    expect(await json('examples', repository)).toEqual({ directory: repository, written: [] });
  });

  it('writes errors to stderr and no JSON to stdout when a command fails', async () => {
    const run = await infermesh('-o', 'json', 'models', 'show', 'nope');
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^infermesh: NOT_FOUND/);
  });

  it('exits 0 without a stack when its reader closes the pipe', async () => {
    const child = spawn(INFERMESH_BIN, ['models', 'show', 'mlp'], { env: { ...process.env, INFERMESH_REGISTRY_ADDRESS: registry.address }, stdio: ['ignore', 'pipe', 'pipe'] });
    // The reader is gone before the command writes: every write meets EPIPE.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
