/**
 * End to end: Triton's extension methods through a registry-managed gateway, called from
 * Python (stock grpcio, stubs compiled from the project's protos) as Triton users call them,
 * with gzip and deflate request compression.
 * Needs Debian's python3-grpcio, python3-protobuf, protobuf-compiler and protobuf-compiler-grpc.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compilePythonStubs, mlpModel, type PythonStubs, pythonToolchainAvailable, simpleModel, waitFor } from '@infermesh/testkit';
import { startRegistryMesh, type RegistryMesh } from '../registry/registry-mesh.js';

const available = pythonToolchainAvailable();

type Compression = 'none' | 'gzip' | 'deflate';
interface Failure {
  code: string;
  details: string;
}
interface Unary<T> {
  code: string;
  details?: string;
  response?: T;
}
interface Duration {
  count?: string;
  ns?: string;
}
interface ModelStats {
  name: string;
  version: string;
  last_inference?: string;
  inference_count?: string;
  execution_count?: string;
  inference_stats?: Record<'success' | 'fail' | 'queue' | 'compute_input' | 'compute_infer' | 'compute_output', Duration | undefined>;
  batch_stats?: { batch_size: string; compute_infer?: Duration }[];
}
interface IndexEntry {
  name: string;
  version?: string;
  state?: string;
  reason?: string;
}

const MLP_V1_CONFIG = 'max_batch_size: 8\ndynamic_batching:\n  max_queue_delay_us: 500\n  preferred_batch_sizes: [4]\ninstances: 2\n';
const count = (duration: Duration | undefined) => Number(duration?.count ?? 0);

describe.skipIf(!available)("Triton's extension methods from Python", () => {
  let mesh: RegistryMesh | undefined;
  let stubs: PythonStubs | undefined;
  const startedAt = Date.now();
  const python = <T>(compression: Compression, command: string, ...args: string[]) =>
    stubs!.run<T>('triton_client.py', [mesh!.gateway, stubs!.dir, compression, command, ...args]);

  beforeAll(async () => {
    stubs = await compilePythonStubs();
    mesh = await startRegistryMesh();
    await mesh.register('mlp', 1, mlpModel(1), { config_yaml: MLP_V1_CONFIG });
    await mesh.register('mlp', 2, mlpModel(2));
    await mesh.register('simple', 1, simpleModel());
    await mesh.registry.setRollout('mlp', { stable_version: 1 }, ['stable_version']);
    await mesh.registry.setRollout('mlp', { canary_version: 2, canary_weight_bp: 0 }, ['canary_version', 'canary_weight_bp']);
    await mesh.waitForReady('mlp', [1, 2], 2);
    const client = mesh.client;
    await waitFor(async () => (await client.modelMetadata('mlp')).versions.length === 2, 30_000, 'the gateway to route mlp v1 and v2');
  }, 180_000);

  afterAll(async () => {
    await mesh?.stop();
    await stubs?.remove();
  }, 120_000);

  it('lists the extensions it answers in ServerMetadata', async () => {
    const { response } = await python<Unary<{ extensions: string[] }>>('gzip', 'metadata');
    expect(response!.extensions).toEqual(expect.arrayContaining(['model_configuration', 'statistics', 'model_repository']));
  });

  it('counts calls per version in ModelStatistics, summed over both runners', async () => {
    const v1 = await python<{ ok: number; failed: Failure[] }>('gzip', 'infer', 'mlp', '1', '30', '4');
    const v2 = await python<{ ok: number; failed: Failure[] }>('deflate', 'infer', 'mlp', '2', '12', '0');
    expect(v1.ok).toBe(30);
    expect(v1.failed.map((f) => f.code)).toEqual(Array(4).fill('INVALID_ARGUMENT'));
    expect(v2).toEqual({ ok: 12, failed: [] });

    const { response } = await python<Unary<{ model_stats: ModelStats[] }>>('none', 'stats', 'mlp');
    const stats = response!.model_stats;
    expect(stats.map((s) => [s.name, s.version])).toEqual([
      ['mlp', '1'],
      ['mlp', '2'],
    ]);
    const [first, second] = stats as [ModelStats, ModelStats];
    expect(first.inference_count).toBe('30');
    expect(count(first.inference_stats?.success)).toBe(30);
    expect(count(first.inference_stats?.fail)).toBe(4);
    expect(count(first.inference_stats?.queue)).toBe(30);
    expect(count(first.inference_stats?.compute_infer)).toBe(30);
    expect(Number(first.inference_stats?.compute_infer?.ns)).toBeGreaterThan(0);
    const executions = Number(first.execution_count);
    expect(executions).toBeGreaterThan(0);
    expect(executions).toBeLessThanOrEqual(30);
    expect((first.batch_stats ?? []).reduce((sum, b) => sum + count(b.compute_infer), 0)).toBe(executions);
    expect(Number(first.last_inference)).toBeGreaterThanOrEqual(startedAt);
    expect(second.inference_count).toBe('12');
    expect(count(second.inference_stats?.success)).toBe(12);
    expect(count(second.inference_stats?.fail)).toBe(0);

    const one = await python<Unary<{ model_stats: ModelStats[] }>>('deflate', 'stats', 'mlp', '2');
    expect(one.response!.model_stats.map((s) => [s.version, s.inference_count])).toEqual([['2', '12']]);
    const all = await python<Unary<{ model_stats: ModelStats[] }>>('gzip', 'stats');
    expect(all.response!.model_stats.filter((s) => s.name === 'mlp').map((s) => s.inference_count)).toEqual(['30', '12']);
    const unknown = await python<Failure>('none', 'stats', 'no_such_model');
    expect(unknown.code).toBe('NOT_FOUND');
    expect(unknown.details).toContain('no_such_model');
  });

  it('reports in ModelConfig what the runners run', async () => {
    const { response } = await python<Unary<{ config: Record<string, unknown> }>>('gzip', 'config', 'mlp', '1');
    expect(response!.config).toMatchObject({
      name: 'mlp',
      platform: 'onnxruntime_onnx',
      backend: 'onnxruntime',
      max_batch_size: 8,
      input: [{ name: 'input', data_type: 'TYPE_FP32', dims: ['64'] }],
      output: [{ name: 'output', data_type: 'TYPE_FP32', dims: ['10'] }],
      dynamic_batching: { preferred_batch_size: [4], max_queue_delay_microseconds: '500' },
      // Two runners with two instances each.
      instance_group: [{ kind: 'KIND_CPU', count: 4 }],
      version_policy: { specific: { versions: ['1', '2'] } },
    });
    const v2 = await python<Unary<{ config: Record<string, unknown> }>>('none', 'config', 'mlp', '2');
    expect(v2.response!.config).toMatchObject({ name: 'mlp', input: [{ name: 'input', dims: ['-1', '64'] }], instance_group: [{ kind: 'KIND_CPU', count: 2 }] });
    expect(v2.response!.config.max_batch_size).toBeUndefined();
    expect(v2.response!.config.dynamic_batching).toBeUndefined();
    const unknown = await python<Failure>('none', 'config', 'no_such_model');
    expect(unknown.code).toBe('NOT_FOUND');
  });

  it('loads and unloads through the repository methods, and the registry agrees', async () => {
    const registry = mesh!.registry;
    const index = async (...args: string[]) => (await python<Unary<{ models?: IndexEntry[] }>>('gzip', 'index', ...args)).response!.models ?? [];
    expect(await index()).toEqual([
      { name: 'mlp', version: '1', state: 'READY' },
      { name: 'mlp', version: '2', state: 'READY' },
      { name: 'simple', version: '1', state: 'UNAVAILABLE', reason: 'unloaded' },
    ]);
    expect((await index('ready')).map((e) => e.name)).toEqual(['mlp', 'mlp']);

    const withBadConfig = await python<Failure>('none', 'load', 'simple', 'config', '{"max_batch_size": 8, "sequence_batchin": {}}');
    expect(withBadConfig.code).toBe('INVALID_ARGUMENT');
    expect(withBadConfig.details).toContain("'config': sequence_batchin: unknown or unsupported key");
    expect(await python<Failure>('none', 'load', 'no_such_model')).toMatchObject({ code: 'NOT_FOUND' });

    expect(await python<Unary<object>>('deflate', 'load', 'simple')).toEqual({ code: 'OK', response: {} });
    // Served as soon as the load returns.
    expect(await python<{ OUTPUT0: number[]; version: string }>('none', 'simple')).toEqual({
      OUTPUT0: Array.from({ length: 16 }, (_, i) => i + 3),
      version: '1',
    });
    const loaded = await registry.getModel('simple');
    expect(loaded.rollout?.stable_version).toBe(1);
    expect(loaded.versions[0]!.status).toBe('VERSION_STATUS_SERVING');
    expect(await index('ready')).toContainEqual({ name: 'simple', version: '1', state: 'READY' });

    expect(await python<Unary<object>>('gzip', 'unload', 'simple')).toEqual({ code: 'OK', response: {} });
    expect(await python<Unary<{ ready?: boolean }>>('none', 'ready', 'simple')).toEqual({ code: 'OK', response: {} });
    const refused = await python<Failure>('none', 'simple');
    expect(['UNAVAILABLE', 'NOT_FOUND']).toContain(refused.code);
    const unloaded = await registry.getModel('simple');
    expect(unloaded.rollout?.stable_version).toBe(0);
    expect((await registry.history('simple')).at(-1)).toMatchObject({ action: 'UNLOAD', version: 1 });
    // Unloading what serves nothing succeeds and changes nothing.
    expect(await python<Unary<object>>('none', 'unload', 'simple')).toEqual({ code: 'OK', response: {} });
  });

  it('answers a stream of 100 requests with 100 responses, errors in place', async () => {
    const bad = [7, 20, 33, 64, 99];
    const { responses } = await python<{ responses: { id: string; model_name: string; error_message: string; outputs: number }[] }>(
      'gzip',
      'stream',
      '100',
      bad.join(','),
    );
    expect(responses.map((r) => r.id)).toEqual(Array.from({ length: 100 }, (_, i) => `s-${i}`));
    responses.forEach((response, i) => {
      if (!bad.includes(i)) {
        expect(response).toMatchObject({ error_message: '', outputs: 1, model_name: 'mlp' });
      } else if (i % 2 === 0) {
        expect(response.error_message).toMatch(/FP64/);
      } else {
        expect(response.error_message).toContain('no_such_model');
      }
    });
  });

  it('answers the methods it does not offer with UNIMPLEMENTED and a reason, at once', async () => {
    const result = await python<Record<string, Failure & { seconds: number }>>('deflate', 'unsupported');
    expect(Object.keys(result)).toHaveLength(8);
    for (const [method, answer] of Object.entries(result)) {
      expect(answer.code, method).toBe('UNIMPLEMENTED');
      expect(answer.details, method).toMatch(/^infermesh does not support /);
      expect(answer.seconds, method).toBeLessThan(5);
    }
    for (const method of Object.keys(result).filter((name) => name.includes('SharedMemory'))) {
      expect(result[method]!.details, method).toContain('infermesh is a network mesh');
      expect(result[method]!.details, method).toContain('raw tensors in the request instead (raw_input_contents');
    }
  });

  // The gateway's limit is 64 MiB: 80 MiB of zeros compress to well under it, so only
  // decompressing (which proves the request really was compressed) finds it too large.
  it.each(['gzip', 'deflate'] as const)('refuses a %s request that inflates past the message limit, and goes on serving', async (compression) => {
    const answer = await python<Failure>(compression, 'big', String(80 * 1024 * 1024));
    expect(answer.code).toBe('RESOURCE_EXHAUSTED');
    expect(answer.details).toMatch(/decompresses to a size larger than/);
    expect((await python<Unary<{ extensions: string[] }>>(compression, 'metadata')).code).toBe('OK');
  });
});
