/**
 * End to end: Triton's `load_model(name, config=json)` and `files=` through a registry-managed
 * gateway, from Python (stock grpcio, stubs compiled from the project's protos): the config
 * override registers a new version with the same artifact (or the uploaded file), rolls it out
 * as stable and serves it, and ModelConfig reads the new values back.
 * Needs Debian's python3-grpcio, python3-protobuf, protobuf-compiler and protobuf-compiler-grpc.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compilePythonStubs, pythonToolchainAvailable, simpleModel, type PythonStubs } from '@infermesh/testkit';
import { startRegistryMesh, type RegistryMesh } from '../registry/registry-mesh.js';

const available = pythonToolchainAvailable();

interface Failure {
  code: string;
  details: string;
}
type Config = Record<string, unknown>;

describe.skipIf(!available)("Triton's load_model with a config override", () => {
  let mesh: RegistryMesh | undefined;
  let stubs: PythonStubs | undefined;
  const python = <T>(command: string, ...args: string[]) => stubs!.run<T>('triton_client.py', [mesh!.gateway, stubs!.dir, 'none', command, ...args]);

  beforeAll(async () => {
    stubs = await compilePythonStubs();
    mesh = await startRegistryMesh();
    await mesh.register('simple', 1, simpleModel());
    await mesh.registry.setRollout('simple', { stable_version: 1 }, ['stable_version']);
    await mesh.waitForReady('simple', [1], 2);
  }, 180_000);

  afterAll(async () => {
    await mesh?.stop();
    await stubs?.remove();
  }, 120_000);

  it('changes max_batch_size as ModelConfig then reports, through a new version of the same artifact', async () => {
    const { before, loaded, after } = await python<{ before: Config; loaded: { code: string }; after: Config }>('reconfigure', 'simple', '8');
    expect(before.max_batch_size).toBeUndefined();
    expect(loaded).toEqual({ code: 'OK', response: {} });
    expect(after).toMatchObject({
      name: 'simple',
      max_batch_size: 8,
      dynamic_batching: { preferred_batch_size: [8], max_queue_delay_microseconds: '200' },
      input: [{ name: 'INPUT0', dims: ['16'] }, { name: 'INPUT1', dims: ['16'] }],
      version_policy: { specific: { versions: ['2'] } },
    });
    // The load answers once the new version serves; the second runner may still be loading it.
    // Once both hold it: one instance on each of the two runners.
    await mesh!.waitForReady('simple', [2], 2);
    const settled = await python<{ code: string; response: { config: Config } }>('config', 'simple');
    expect(settled.response.config).toMatchObject({ max_batch_size: 8, instance_group: [{ kind: 'KIND_CPU', count: 2 }] });

    const model = await mesh!.registry.getModel('simple');
    expect(model.rollout?.stable_version).toBe(2);
    const [v1, v2] = model.versions;
    expect(v2).toMatchObject({ version: 2, source: 'version:1', sha256: v1!.sha256, artifact_path: v1!.artifact_path });
    expect(JSON.parse(v2!.config_yaml)).toEqual({ max_batch_size: 8, dynamic_batching: { preferred_batch_sizes: [8], max_queue_delay_us: 200 }, instances: 1 });
    expect((await mesh!.registry.history('simple')).slice(-2)).toMatchObject([
      { action: 'SET', canary_version: 2, canary_weight_bp: 0, reason: 'RepositoryModelLoad config override' },
      { action: 'PROMOTE', stable_version: 2, reason: 'RepositoryModelLoad config override' },
    ]);
    // The new version serves, batched.
    expect(await python<{ OUTPUT0: number[]; version: string }>('simple')).toEqual({ OUTPUT0: Array.from({ length: 16 }, (_, i) => i + 3), version: '2' });
  });

  it.each([
    ['a misspelled key', '{"max_batch_size": 4, "dynamic_batchin": {}}', "parameters: 'config': dynamic_batchin: unknown or unsupported key"],
    ['a misspelled nested key', '{"max_batch_size": 4, "dynamic_batching": {"max_queue_delay_us": 5}}', "parameters: 'config': dynamic_batching.max_queue_delay_us: unknown or unsupported key"],
    ['malformed JSON', '{"max_batch_size": 4', "parameters: 'config': not valid JSON"],
    ['a value the runners refuse', '{"max_batch_size": 4, "dynamic_batching": {"preferred_batch_size": [16]}}', "parameters: 'config': dynamic_batching.preferred_batch_sizes: 16 is over max_batch_size 4"],
    ['another model name', '{"name": "other", "max_batch_size": 4}', "parameters: 'config': name: 'other' differs from the model loaded, 'simple'"],
  ])('refuses %s with INVALID_ARGUMENT naming it, and leaves the model as it was', async (_what, config, message) => {
    const answer = await python<Failure>('load', 'simple', 'config', config);
    expect(answer.code).toBe('INVALID_ARGUMENT');
    expect(answer.details).toContain(message);
    const model = await mesh!.registry.getModel('simple');
    expect(model.versions.map((v) => v.version)).toEqual([1, 2]);
    expect(model.rollout?.stable_version).toBe(2);
  });

  it('registers an uploaded file:1/model.onnx with its config as a new model, as Triton clients send it', async () => {
    const file = join(mesh!.dataDir, 'uploaded.onnx');
    await writeFile(file, simpleModel());
    const loaded = await python<{ code: string }>('load', 'uploaded', 'config', '{"max_batch_size": 4}', 'file:1/model.onnx', file);
    expect(loaded).toEqual({ code: 'OK', response: {} });
    const model = await mesh!.registry.getModel('uploaded');
    expect(model.versions).toMatchObject([{ version: 1, source: 'upload:model.onnx', config_yaml: '{"max_batch_size":4}' }]);
    expect(model.rollout?.stable_version).toBe(1);
    const { response } = await python<{ response: { config: Config } }>('config', 'uploaded');
    expect(response.config.max_batch_size).toBe(4);

    const withoutConfig = await python<Failure>('load', 'uploaded', 'file:1/model.onnx', file);
    expect(withoutConfig).toMatchObject({ code: 'INVALID_ARGUMENT', details: "parameters: 'file:1/model.onnx' needs the 'config' parameter with it, as in Triton" });
    const otherFile = await python<Failure>('load', 'uploaded', 'config', '{}', 'file:1/model.plan', file);
    expect(otherFile.code).toBe('INVALID_ARGUMENT');
    expect(otherFile.details).toContain("'file:1/model.plan': expected file:<version>/model.onnx");
  });
});
