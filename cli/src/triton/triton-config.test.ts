/** Triton's ModelConfig mapped onto infermesh's model config, device and checks; what cannot be honoured is listed with its reason. */
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { modelConfigProblems } from '@infermesh/common';
import { toConfigYaml } from './config-yaml.js';
import { ImportNotes, ImportRefusal } from './import-notes.js';
import { parsePbtxt } from './pbtxt.js';
import { mapTritonConfig, type MappedModel } from './triton-config.js';

function map(text: string, folder = 'm'): { mapped: MappedModel; yaml: string; notes: string[]; unsupported: string[] } {
  const notes = new ImportNotes();
  const mapped = mapTritonConfig(parsePbtxt(text), folder, notes);
  return { mapped, yaml: toConfigYaml(mapped.config), notes: notes.notes, unsupported: notes.unsupported.map((u) => `${u.field}: ${u.reason}`) };
}

function refusal(text: string, folder = 'm'): string {
  try {
    map(text, folder);
  } catch (error) {
    if (error instanceof ImportRefusal) return `${error.outcome}: ${error.message}`;
    return `error: ${(error as Error).message}`;
  }
  return 'mapped';
}

describe("mapping Triton's model config", () => {
  it('maps batching, the queue policy, instances, optimisation and intra-op threads', () => {
    const { mapped, yaml, notes, unsupported } = map(`
      name: "m"
      backend: "onnxruntime"
      max_batch_size: 32
      dynamic_batching {
        preferred_batch_size: [ 8, 16 ]
        max_queue_delay_microseconds: 500
        default_queue_policy { max_queue_size: 64 default_timeout_microseconds: 2000 timeout_action: REJECT allow_timeout_override: true }
      }
      instance_group [ { count: 2 kind: KIND_GPU gpus: [ 1 ] } ]
      optimization { graph { level: -1 } }
      parameters { key: "intra_op_thread_count" value: { string_value: "4" } }
      version_policy: { latest: { num_versions: 2 } }
    `);
    expect(yaml).toBe(
      [
        'max_batch_size: 32',
        'dynamic_batching:',
        '  max_queue_delay_us: 500',
        '  preferred_batch_sizes: [8, 16]',
        'max_queue_size: 64',
        'default_queue_timeout_us: 2000',
        'instances: 2',
        'intra_op_threads: 4',
        'graph_optimization_level: basic',
        '',
      ].join('\n'),
    );
    expect(mapped).toMatchObject({ placement: { device: 'cuda:1', replicas: 0, instances: 2 }, maxBatchSize: 32, versionPolicy: { kind: 'latest', count: 2 } });
    expect(notes).toEqual(["dynamic_batching.default_queue_policy.allow_timeout_override: infermesh always honours a request's `timeout` parameter, as asked"]);
    expect(unsupported).toEqual([]);
  });

  it('maps `dynamic_batching {}` to the defaults, an unbounded queue to the default bound, and says so', () => {
    const { yaml, notes } = map('max_batch_size: 4 dynamic_batching { default_queue_policy { max_queue_size: 0 } }');
    expect(yaml).toBe('max_batch_size: 4\ndynamic_batching: {}\n');
    expect(notes).toEqual([
      'no platform or backend given: taken as onnxruntime, as Triton does for .onnx files',
      'dynamic_batching.default_queue_policy.max_queue_size 0 means unbounded in Triton; infermesh always bounds the queue, so its default 1024 holds',
      "dynamic_batching.max_queue_delay_microseconds not given: Triton's default is 0 µs, infermesh's 100 µs holds",
    ]);
  });

  it('places instance groups: CPU, several GPUs, every GPU, auto; levels 1 and 0', () => {
    expect(map('instance_group { kind: KIND_CPU count: 3 } optimization { graph { level: 1 } }')).toMatchObject({
      mapped: { placement: { device: 'cpu', replicas: 0, instances: 3 } },
      yaml: 'instances: 3\ngraph_optimization_level: extended\n',
    });
    const several = map('instance_group [ { kind: KIND_GPU gpus: [0, 1] }, { kind: KIND_GPU gpus: 2 } ]');
    expect(several.mapped.placement).toEqual({ device: 'cuda', replicas: 3, instances: 1 });
    expect(several.notes.at(-1)).toContain('infermesh runs 1 per runner on 3 CUDA runners the registry picks (device cuda, replicas 3)');
    expect(map('instance_group { kind: KIND_GPU count: 2 }').mapped.placement).toEqual({ device: 'cuda', replicas: 0, instances: 2 });
    expect(map('instance_group { count: 1 } optimization { graph { level: 0 } }')).toMatchObject({ mapped: { placement: { device: 'any' } }, yaml: '' });
  });

  it('lists every field it cannot honour, with the reason, and unknown fields too', () => {
    const { unsupported, yaml } = map(`
      platform: "onnxruntime_onnx"
      max_batch_size: 8
      input [ { name: "x" data_type: TYPE_FP32 dims: [ 3 ] reshape: { shape: [ 1, 3 ] } format: FORMAT_NCHW optional: false } ]
      output [ { name: "y" data_type: TYPE_FP32 dims: [ -1 ] label_filename: "labels.txt" } ]
      dynamic_batching { priority_levels: 2 preserve_ordering: true default_queue_policy { timeout_action: DELAY allow_timeout_override: false } }
      instance_group [ { kind: KIND_CPU rate_limiter { resources [ { name: "r" count: 1 } ] } }, { kind: KIND_GPU } ]
      optimization { execution_accelerators { gpu_execution_accelerator : [ { name : "tensorrt" } ] } input_pinned_memory { enable: true } }
      parameters { key: "enable_mem_arena" value: { string_value: "1" } }
      model_warmup [ { name: "w" batch_size: 1 } ]
      response_cache { enable: true }
      model_transaction_policy { decoupled: false }
      sequence_magic: 3
    `);
    expect(yaml).toBe('max_batch_size: 8\ndynamic_batching: {}\npriority_levels: 2\nresponse_cache:\n  max_bytes: 268435456\n');
    expect(unsupported).toEqual([
      'dynamic_batching.default_queue_policy.timeout_action: DELAY is not supported: a request still queued when its timeout passes is always rejected (DEADLINE_EXCEEDED)',
      "dynamic_batching.default_queue_policy.allow_timeout_override: infermesh always honours a request's `timeout` parameter; it cannot be turned off",
      'dynamic_batching.preserve_ordering: there is no ordering option: each unary call is answered when its batch finishes, and ModelStreamInfer always answers in request order',
      'instance_group[0].rate_limiter: infermesh has no rate limiter: an instance runs as soon as it has a batch',
      "instance_group[1]: a version runs on one kind of device; the first group's KIND_CPU is used",
      'optimization.execution_accelerators: TensorRT and OpenVINO accelerators are not supported: runners use onnxruntime\'s CPU or CUDA provider, by their device',
      'optimization.input_pinned_memory: pinned-memory transfers are not configurable',
      'parameters[enable_mem_arena]: this onnxruntime backend parameter has no infermesh equivalent (intra_op_thread_count is the one mapped)',
      "input[x].reshape: infermesh does not reshape tensors: callers send the ONNX file's own shape",
      'input[x].format: formats are informational: infermesh takes the layout from the ONNX file',
      'output[y].label_filename: classification labels are not supported: callers get the raw output tensor',
      "model_warmup: Triton's named warm-up samples are not imported; set `warmup` (count, batch_size, zero|random inputs) in the model config instead",
      "sequence_magic: unknown field: not in Triton's model config as infermesh reads it",
    ]);
  });

  it('maps priority levels, per-level queue sizes and an enabled response cache, refusing levels out of range', () => {
    const { yaml, notes, unsupported } = map(`
      max_batch_size: 4
      dynamic_batching {
        priority_levels: 3
        default_priority_level: 2
        priority_queue_policy [ { key: 1 value: { max_queue_size: 10 } }, { key: 3 value: { max_queue_size: 0 } } ]
      }
      response_cache { enable: true }
    `);
    const config = parseYaml(yaml) as Record<string, unknown>;
    expect(config).toMatchObject({
      priority_levels: 3,
      default_priority_level: 2,
      priority_queue_policy: { '1': { max_queue_size: 10 } },
      response_cache: { max_bytes: 268435456 },
    });
    expect(modelConfigProblems(config)).toEqual([]);
    expect(unsupported).toEqual([]);
    expect(notes).toContain("dynamic_batching.priority_queue_policy[1]: only max_queue_size is imported; every level's calls take the default queue policy's timeout");
    expect(refusal('max_batch_size: 4\ndynamic_batching { priority_levels: 2 default_priority_level: 3 }')).toBe(
      'failed: dynamic_batching.default_priority_level: 3 is not within 1..priority_levels 2',
    );
    expect(refusal('max_batch_size: 4\ndynamic_batching { priority_levels: 2 priority_queue_policy [ { key: 5 value: { max_queue_size: 1 } } ] }')).toBe(
      'failed: dynamic_batching.priority_queue_policy[5]: level 5 is not within 1..priority_levels 2',
    );
  });

  it("maps sequence_batching: the idle timeout, the control inputs by kind and the implicit state", () => {
    const { mapped, yaml, notes, unsupported } = map(`
      backend: "onnxruntime"
      sequence_batching {
        max_sequence_idle_microseconds: 5000000
        direct { }
        control_input [
          { name: "START" control [ { kind: CONTROL_SEQUENCE_START int32_false_true: [ 0, 1 ] } ] },
          { name: "READY" control [ { kind: CONTROL_SEQUENCE_READY int32_false_true: [ 0, 1 ] } ] },
          { name: "END" control [ { kind: CONTROL_SEQUENCE_END fp32_false_true: [ 0, 1 ] } ] },
          { name: "CORRID" control [ { kind: CONTROL_SEQUENCE_CORRID data_type: TYPE_UINT64 } ] }
        ]
        state [ { input_name: "ACC_IN" output_name: "ACC_OUT" data_type: TYPE_INT32 dims: [ 1 ] initial_state { name: "zero" zero_data: true } } ]
      }`);
    expect(mapped.config.sequence_batching).toEqual({
      max_sequence_idle_us: 5_000_000,
      control_inputs: { start: 'START', ready: 'READY', end: 'END', corrid: 'CORRID' },
      states: [{ input: 'ACC_IN', output: 'ACC_OUT' }],
    });
    expect(parseYaml(yaml)).toEqual({ sequence_batching: mapped.config.sequence_batching });
    expect(notes.join('\n')).toContain("sequence_batching.direct: infermesh runs each sequence's calls one at a time");
    expect(unsupported.join('\n')).toContain('sequence_batching.state[0].initial_state: initial states are not imported');
    expect(refusal('sequence_batching { control_input [ { name: "S" control [ { kind: CONTROL_SEQUENCE_NOPE } ] } ] }')).toMatch(/kind.*expected one of CONTROL_SEQUENCE_START/);
  });

  it('skips what infermesh cannot serve, with the reason', () => {
    expect(refusal('platform: "tensorrt_plan"')).toBe(
      "skipped: platform 'tensorrt_plan': infermesh serves ONNX models with onnxruntime only (platform onnxruntime_onnx or backend onnxruntime)",
    );
    expect(refusal('backend: "python"')).toBe("skipped: backend 'python': infermesh serves ONNX models with onnxruntime only (platform onnxruntime_onnx or backend onnxruntime)");
    expect(refusal('platform: "ensemble" ensemble_scheduling { step [ ] }')).toBe(
      'skipped: ensembles are not supported: infermesh serves one ONNX model per call; chain the models in the caller',
    );
    expect(refusal('name: "other"', 'mine')).toBe("skipped: name 'other' in config.pbtxt differs from its folder 'mine'; Triton requires them to be equal");
  });

  it('fails a config with values infermesh cannot take, or of the wrong kind', () => {
    expect(refusal('max_batch_size: 4 dynamic_batching { preferred_batch_size: 8 }')).toBe(
      'failed: dynamic_batching.preferred_batch_size: 8 is not within 1..max_batch_size 4',
    );
    expect(refusal('instance_group { count: 100 }')).toBe("failed: instance_group[0].count: 100 is not within infermesh's 1..64 instances");
    expect(refusal('version_policy { all {} latest {} }')).toBe('failed: version_policy: give one of latest, all and specific');
    expect(refusal('input { name: "x" }')).toBe('failed: input[x].data_type: a datatype is required');
    expect(refusal('max_batch_size: "8"')).toBe('error: line 1, column 17: max_batch_size: expected a whole number, got the string "8"');
    expect(refusal('max_batch_size: 8\nmax_batch_size: 4')).toBe('error: line 2, column 1: max_batch_size: given again (first at line 1, column 1); it takes one value');
    expect(refusal('instance_group { kind: KIND_TPU }')).toBe(
      "error: line 1, column 24: instance_group[0].kind: expected one of KIND_AUTO, KIND_GPU, KIND_CPU, KIND_MODEL",
    );
  });
});
