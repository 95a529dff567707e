import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { status } from '@grpc/grpc-js';
import { MODEL_CONFIG_KEYS } from '@infermesh/common';
import { mlpModel, simpleModel } from '@infermesh/testkit';
import { startInProcessRegistry, type InProcessRegistry } from '../in-process-registry.test-helper.js';

let registry: InProcessRegistry;
let server: Server;
let base: string;
const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const outcome = (promise: Promise<unknown>) =>
  promise.then(
    () => 'ok',
    (error: { code: number; details: string }) => `${status[error.code]}: ${error.details}`,
  );

beforeAll(async () => {
  server = createServer((request, response) => {
    if (request.url === '/mlp.onnx') response.end(mlpModel(2));
    else {
      response.statusCode = 404;
      response.end();
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  // Paths under the data folder, downloads from the test's server on loopback.
  registry = await startInProcessRegistry({
    maxArtifactBytes: 1024 * 1024,
    artifacts: { allowedDirs: ['.'], allowedUrlPrefixes: [`${base}/`], allowHttp: true, allowedNetworks: ['127.0.0.1/32'] },
  });
});

afterAll(async () => {
  server?.close();
  await registry?.close();
});

const file = async (name: string, bytes: Uint8Array | string) => {
  const path = join(registry.dataDir, name);
  await writeFile(path, bytes);
  return path;
};

describe('registering model versions', () => {
  it('registers a version from a path with its sha256 and signature, once', async () => {
    const path = await file('mlp-1.onnx', mlpModel(1));
    const { version, created } = await registry.client.registerVersion({ model: 'mlp', version: 1, artifact: path, actor: 'alice', labels: { team: 'search' } });
    expect(created).toBe(true);
    expect(version).toMatchObject({
      model: 'mlp',
      version: 1,
      source: path,
      sha256: sha(mlpModel(1)),
      size_bytes: String(mlpModel(1).byteLength),
      inputs: [{ name: 'input', datatype: 'FP32', shape: ['-1', '64'] }],
      outputs: [{ name: 'output', datatype: 'FP32', shape: ['-1', '10'] }],
      labels: { team: 'search' },
      device: 'any',
      created_by: 'alice',
      status: 'VERSION_STATUS_REGISTERED',
      runners: [],
    });
    expect(version!.artifact_path).toBe(join(registry.dataDir, 'registry', 'artifacts', `${sha(mlpModel(1))}.onnx`));
    // The same number with the same bytes answers the version as it is.
    expect((await registry.client.registerVersion({ model: 'mlp', version: 1, artifact: path })).created).toBe(false);
  });

  it('downloads a URL, and numbers a version without one after the newest', async () => {
    const { version } = await registry.client.registerVersion({ model: 'mlp', artifact: `${base}/mlp.onnx`, sha256: sha(mlpModel(2)) });
    expect(version).toMatchObject({ version: 2, source: `${base}/mlp.onnx`, sha256: sha(mlpModel(2)) });
    expect(await outcome(registry.client.registerVersion({ model: 'mlp', artifact: `${base}/gone.onnx` }))).toBe(
      `INVALID_ARGUMENT: artifact: GET ${base}/gone.onnx answered 404 Not Found`,
    );
  });

  it('uploads a file with progress, as `infermesh models push` does', async () => {
    const path = await file('simple.onnx', simpleModel());
    const progress: number[] = [];
    const response = await registry.client.pushVersion({ model: 'simple', version: 1, actor: 'bob' }, path, (sent) => progress.push(sent));
    expect(response.version).toMatchObject({ model: 'simple', version: 1, source: 'upload:simple.onnx', sha256: sha(simpleModel()), created_by: 'bob' });
    expect(progress.at(-1)).toBe(simpleModel().byteLength);
  });

  it('registers another version of the same artifact with a new config, copying nothing', async () => {
    const path = await file('reuse-1.onnx', simpleModel());
    const first = await registry.client.registerVersion({ model: 'reuse', version: 1, artifact: path });
    const artifacts = await readdir(join(registry.dataDir, 'registry', 'artifacts'));
    const { version, created } = await registry.client.registerVersion({ model: 'reuse', artifact_of_version: 1, config_yaml: 'max_batch_size: 4\n', actor: 'gw' });
    expect(created).toBe(true);
    expect(version).toMatchObject({ version: 2, source: 'version:1', sha256: first.version!.sha256, artifact_path: first.version!.artifact_path, config_yaml: 'max_batch_size: 4\n' });
    expect(await readdir(join(registry.dataDir, 'registry', 'artifacts'))).toEqual(artifacts);
    expect(await outcome(registry.client.registerVersion({ model: 'reuse', artifact_of_version: 9 }))).toBe("NOT_FOUND: artifact_of_version: model 'reuse' has no version 9");
    expect(await outcome(registry.client.registerVersion({ model: 'reuse', artifact_of_version: 1, artifact: path }))).toBe(
      'INVALID_ARGUMENT: artifact: must be empty when artifact_of_version is set',
    );
  });

  it('refuses what is wrong with a message that names it, and keeps no artifact of a refused version', async () => {
    const artifacts = join(registry.dataDir, 'registry', 'artifacts');
    const before = (await readdir(artifacts)).length;
    const other = await file('other.onnx', mlpModel(2));
    const garbage = await file('garbage.onnx', 'not a model');
    const big = await file('big.onnx', Buffer.alloc(1024 * 1024 + 1));
    const cases: [Parameters<typeof registry.client.registerVersion>[0], string | RegExp][] = [
      [{ model: 'mlp', version: 1, artifact: other }, `ALREADY_EXISTS: model 'mlp' version 1 already exists with sha256 ${sha(mlpModel(1))}; versions never change, register a new version number`],
      [{ model: 'mlp', version: 5, artifact: other, sha256: 'a'.repeat(64) }, `INVALID_ARGUMENT: sha256: the artifact's sha256 is ${sha(mlpModel(2))}, not the expected ${'a'.repeat(64)}`],
      [{ model: 'mlp', version: 5, artifact: garbage }, /^INVALID_ARGUMENT: artifact: not a model onnxruntime can load: /],
      [{ model: 'mlp', version: 5, artifact: big }, `RESOURCE_EXHAUSTED: artifact: '${big}' is 1048577 bytes (1.0 MiB); the registry takes at most 1048576 bytes (1.0 MiB), set by registry.maxArtifactBytes`],
      [{ model: 'mlp', version: 5, artifact: join(registry.dataDir, 'nope.onnx') }, `INVALID_ARGUMENT: artifact: no file at '${join(registry.dataDir, 'nope.onnx')}' within registry.artifacts.allowedDirs (links may not lead out of them)`],
      [{ model: 'mlp', version: 5, artifact: '/etc/passwd' }, "PERMISSION_DENIED: artifact: '/etc/passwd' is outside the folders registry.artifacts.allowedDirs allows; upload the file instead (PushVersion, infermesh models push)"],
      [{ model: 'mlp', version: 5, artifact: 'http://169.254.169.254/latest/meta-data/' }, /^PERMISSION_DENIED: artifact: .* leads outside the URL prefixes registry\.artifacts\.allowedUrlPrefixes allows$/],
      [{ model: '../etc', artifact: other }, "INVALID_ARGUMENT: model: expected a model name (letters, digits, _ . -; at most 128 characters), got '../etc'"],
      [{ model: 'mlp', artifact: '' }, "INVALID_ARGUMENT: artifact: required (a path on the registry's machine or an http(s) URL)"],
      [{ model: 'mlp', artifact: other, device: 'tpu' }, "INVALID_ARGUMENT: device: expected any, cpu, cuda or cuda:N, got 'tpu'"],
      [{ model: 'mlp', artifact: other, config_yaml: '- a\n- b\n' }, 'INVALID_ARGUMENT: config_yaml: expected a mapping of model config keys (max_batch_size, instances, ...)'],
      [{ model: 'mlp', artifact: other, config_yaml: 'instance: 2\n' }, `INVALID_ARGUMENT: config_yaml: instance: unknown key (keys: ${MODEL_CONFIG_KEYS.join(', ')})`],
      [{ model: 'mlp', artifact: other, config_yaml: 'dynamic_batching: {}\n' }, 'INVALID_ARGUMENT: config_yaml: dynamic_batching: needs max_batch_size > 0'],
      [{ model: 'mlp', artifact: other, labels: { 'bad key!': 'x' } }, "INVALID_ARGUMENT: labels: 'bad key!' is not a valid label key (letters, digits, _ . / -; at most 63)"],
    ];
    for (const [request, expected] of cases) {
      const got = await outcome(registry.client.registerVersion(request));
      if (typeof expected === 'string') expect(got).toBe(expected);
      else expect(got).toMatch(expected);
    }
    // An upload with a config the runners would refuse is refused on its header, before a byte is kept.
    expect(await outcome(registry.client.pushVersion({ model: 'mlp', version: 5, config_yaml: 'instances: 2\nwarmup: { count: 1, size: 4 }\n' }, other))).toBe(
      'INVALID_ARGUMENT: config_yaml: warmup.size: unknown key',
    );
    expect((await readdir(artifacts)).length).toBe(before);
    expect((await registry.client.getModel('mlp')).versions.map((v) => v.version)).toEqual([1, 2]);
  });

  it('answers NOT_FOUND for unknown models and versions, and retires a version no rollout uses', async () => {
    expect(await outcome(registry.client.getModel('nope'))).toBe("NOT_FOUND: unknown model 'nope'");
    expect(await outcome(registry.client.retireVersion('mlp', 9))).toBe("NOT_FOUND: model 'mlp' has no version 9 (versions: 1, 2)");
    await registry.client.setRollout('mlp', { stable_version: 1 }, ['stable_version'], { actor: 'alice', reason: 'first' });
    expect(await outcome(registry.client.retireVersion('mlp', 1))).toBe("FAILED_PRECONDITION: model 'mlp' version 1 is the stable version; promote another version first");
    expect((await registry.client.retireVersion('mlp', 2, { actor: 'alice', reason: 'superseded' })).status).toBe('VERSION_STATUS_RETIRED');
    expect(await outcome(registry.client.setRollout('mlp', { canary_version: 2, canary_weight_bp: 100 }, ['canary_version', 'canary_weight_bp']))).toBe(
      "FAILED_PRECONDITION: canary_version: model 'mlp' version 2 is retired",
    );
    expect(await outcome(registry.client.setRollout('mlp', { stable_version: 1 }, ['stable', 'weight'] as never))).toBe(
      "INVALID_ARGUMENT: fields: 'stable' is not a rollout field (stable_version, canary_version, canary_weight_bp, rules, sticky_header, policy, shadow_version, shadow_share_bp, promotion)",
    );
    expect((await registry.client.history('mlp')).map((e) => [e.action, e.actor, e.reason, e.version])).toEqual([
      ['SET', 'alice', 'first', 0],
      ['RETIRE', 'alice', 'superseded', 2],
    ]);
  });

  it('comes back after a restart with every version, rollout and event', async () => {
    const before = { models: await registry.client.listModels(), history: await registry.client.history('mlp') };
    await registry.restart();
    expect(await registry.client.listModels()).toEqual(before.models);
    expect(await registry.client.history('mlp')).toEqual(before.history);
  });
});

describe('artifact sources by default', () => {
  it('takes paths from <dataDir>/models only while listening on loopback, and none beyond it', async () => {
    const local = await startInProcessRegistry();
    const open = await startInProcessRegistry({ host: '0.0.0.0' });
    try {
      for (const handle of [local, open]) {
        await mkdir(join(handle.dataDir, 'models'));
        await writeFile(join(handle.dataDir, 'models', 'mlp.onnx'), mlpModel(1));
        await writeFile(join(handle.dataDir, 'mlp.onnx'), mlpModel(1));
      }
      expect(await outcome(local.client.registerVersion({ model: 'mlp', artifact: join(local.dataDir, 'models', 'mlp.onnx') }))).toBe('ok');
      expect(await outcome(local.client.registerVersion({ model: 'mlp', artifact: join(local.dataDir, 'mlp.onnx') }))).toMatch(/^PERMISSION_DENIED: .*is outside the folders registry\.artifacts\.allowedDirs allows/);
      expect(await outcome(open.client.registerVersion({ model: 'mlp', artifact: join(open.dataDir, 'models', 'mlp.onnx') }))).toBe(
        'PERMISSION_DENIED: artifact: this registry takes no artifacts by path (registry.artifacts.allowedDirs is empty); upload the file instead (PushVersion, infermesh models push)',
      );
      expect(await outcome(local.client.registerVersion({ model: 'mlp', artifact: `${base}/mlp.onnx` }))).toMatch(/^PERMISSION_DENIED: .*allowedUrlPrefixes is empty/);
    } finally {
      await local.close();
      await open.close();
    }
  });
});
