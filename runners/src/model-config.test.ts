/** A runner's ModelConfig: its loaded version described as Triton's model configuration. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { status } from '@grpc/grpc-js';
import { DataType, identityModel, mlpModel, simpleModel, stringsModel } from '@infermesh/testkit';
import { modelConfig, modelStatistics, valueOf } from './call-extension.test-helper.js';
import { startRunnerWith, type RunnerFixture } from './runner-fixture.test-helper.js';

let fixture: RunnerFixture;
beforeAll(async () => {
  fixture = await startRunnerWith([
    { name: 'mlp', version: 1, bytes: mlpModel(1) },
    { name: 'mlp', version: 2, bytes: mlpModel(2) },
    {
      name: 'mlp_dynamic',
      bytes: mlpModel(1),
      config: {
        max_batch_size: 16,
        dynamic_batching: { max_queue_delay_us: 500, preferred_batch_sizes: [4, 8] },
        max_queue_size: 64,
        default_queue_timeout_us: 250_000,
        instances: 2,
        graph_optimization_level: 'extended',
        priority_levels: 2,
        priority_queue_policy: { '1': { max_queue_size: 8 } },
      },
    },
    { name: 'simple', bytes: simpleModel() },
    { name: 'strings', bytes: stringsModel(), config: { max_batch_size: 4, graph_optimization_level: 'disabled' } },
    { name: 'flags', bytes: identityModel(DataType.BOOL), config: { graph_optimization_level: 'basic' } },
    { name: 'bytes8', bytes: identityModel(DataType.UINT8) },
    { name: 'longs', bytes: identityModel(DataType.INT64) },
    { name: 'halves', bytes: identityModel(DataType.FLOAT16) },
    { name: 'doubles', bytes: identityModel(DataType.DOUBLE) },
    { name: 'broken', bytes: new TextEncoder().encode('not an onnx model') },
  ]);
}, 120_000);
afterAll(() => fixture?.close());

const config = async (name: string, version = '') => (await valueOf(modelConfig(fixture.client, { name, version }))).config!;

describe('ModelConfig on a runner', () => {
  it('describes an unbatched model: full dims, defaults, one CPU instance, the versions READY here', async () => {
    expect(await config('mlp')).toMatchObject({
      name: 'mlp',
      platform: 'onnxruntime_onnx',
      backend: 'onnxruntime',
      default_model_filename: 'model.onnx',
      max_batch_size: 0,
      input: [{ name: 'input', data_type: 'TYPE_FP32', dims: ['-1', '64'] }],
      output: [{ name: 'output', data_type: 'TYPE_FP32', dims: ['-1', '10'] }],
      instance_group: [{ name: 'mlp_0', kind: 'KIND_CPU', count: 1, gpus: [] }],
      version_policy: { specific: { versions: ['1', '2'] } },
      optimization: { graph: { level: 0 } },
    });
    const unbatched = await config('mlp', '1');
    expect(unbatched.scheduling_choice).toBeUndefined();
    expect(unbatched.dynamic_batching ?? null).toBeNull();
  });

  it('describes a dynamically batched model: dims without the batch dimension, its queue policy and instances', async () => {
    expect(await config('mlp_dynamic')).toMatchObject({
      max_batch_size: 16,
      input: [{ name: 'input', data_type: 'TYPE_FP32', dims: ['64'] }],
      output: [{ name: 'output', data_type: 'TYPE_FP32', dims: ['10'] }],
      scheduling_choice: 'dynamic_batching',
      dynamic_batching: {
        preferred_batch_size: [4, 8],
        max_queue_delay_microseconds: '500',
        default_queue_policy: {
          timeout_action: 'REJECT',
          default_timeout_microseconds: '250000',
          allow_timeout_override: true,
          max_queue_size: 64,
        },
        priority_levels: 2,
        default_priority_level: 2,
      },
      instance_group: [{ name: 'mlp_dynamic_0', kind: 'KIND_CPU', count: 2, gpus: [] }],
      version_policy: { specific: { versions: ['1'] } },
      optimization: { graph: { level: 1 } },
    });
  });

  it('maps the protocol datatypes to the config’s, BYTES to TYPE_STRING', async () => {
    const types = async (name: string) => {
      const { input, output } = await config(name);
      return [...input, ...output].map((tensor) => tensor.data_type);
    };
    expect(await types('simple')).toEqual(['TYPE_INT32', 'TYPE_INT32', 'TYPE_INT32', 'TYPE_INT32']);
    expect(await types('strings')).toEqual(['TYPE_STRING', 'TYPE_STRING']);
    expect(await types('flags')).toEqual(['TYPE_BOOL', 'TYPE_BOOL']);
    expect(await types('bytes8')).toEqual(['TYPE_UINT8', 'TYPE_UINT8']);
    expect(await types('longs')).toEqual(['TYPE_INT64', 'TYPE_INT64']);
    expect(await types('halves')).toEqual(['TYPE_FP16', 'TYPE_FP16']);
    expect(await types('doubles')).toEqual(['TYPE_FP64', 'TYPE_FP64']);
  });

  it('keeps a variable non-batch dimension variable, and reports the graph optimisation level', async () => {
    const strings = await config('strings');
    expect(strings.input[0]!.dims).toEqual(['-1']);
    // 'disabled' has no Triton level: no optimization policy at all.
    expect(strings.optimization).toBeNull();
    expect((await config('flags')).optimization).toEqual({ graph: { level: -1 } });
  });

  it('answers NOT_FOUND for an unknown model or version and UNAVAILABLE for one that failed to load', async () => {
    expect(await modelConfig(fixture.client, { name: 'nope' })).toEqual({ ok: false, code: status.NOT_FOUND, details: "unknown model 'nope'" });
    expect(await modelConfig(fixture.client, { name: 'mlp', version: '3' })).toMatchObject({ ok: false, code: status.NOT_FOUND });
    const broken = await modelConfig(fixture.client, { name: 'broken' });
    expect(broken).toMatchObject({ ok: false, code: status.UNAVAILABLE });
    expect(broken.ok ? '' : broken.details).toMatch(/^model 'broken' has no ready version \(1: failed/);
  });
});

describe('ModelConfig on a cuda:1 runner whose model fell back to the CPU', () => {
  it('reports the device the instances actually run on', async () => {
    const gpuRunner = await startRunnerWith([{ name: 'gpu_or_cpu', bytes: mlpModel(1), config: { allow_cpu_fallback: true } }], 'cuda:1');
    try {
      const { config: fellBack } = await valueOf(modelConfig(gpuRunner.client, { name: 'gpu_or_cpu' }));
      expect(fellBack!.instance_group).toEqual([{ name: 'gpu_or_cpu_0', kind: 'KIND_CPU', count: 1, gpus: [], passive: false, host_policy: '' }]);
      const { model_stats } = await valueOf(modelStatistics(gpuRunner.client, { name: 'gpu_or_cpu' }));
      expect(model_stats[0]!.memory_usage).toMatchObject([{ type: 'CPU', id: '0' }]);
    } finally {
      await gpuRunner.close();
    }
  }, 60_000);
});
