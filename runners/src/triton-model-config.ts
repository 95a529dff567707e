/** A loaded version described as Triton's ModelConfig, for the ModelConfig extension. */
import path from 'node:path';
import { configDatatype, cudaDeviceId, type ModelConfig } from '@infermesh/common';
import type { DataType, ModelConfig as TritonModelConfig, ModelDynamicBatching, ModelInstanceGroup, ModelOptimizationPolicy, ModelSequenceBatching } from '@infermesh/proto';
import type { ModelVersion } from './ModelVersion.js';
import type { TensorSpec } from './signature.js';

/**
 * ORT's graph optimisation levels as Triton's `optimization.graph.level`, which Triton's
 * onnxruntime backend reads as -1 basic, 0 (its default) all, 1 extended. 'disabled' has no
 * Triton value, so such a model reports no optimization policy at all.
 */
const GRAPH_LEVELS: Record<ModelConfig['graph_optimization_level'], number | undefined> = {
  all: 0,
  extended: 1,
  basic: -1,
  disabled: undefined,
};

/** An input or output; Triton leaves the batch dimension out of batched models' dims. */
function tensorConfig(spec: TensorSpec, batched: boolean) {
  return {
    name: spec.name,
    data_type: configDatatype(spec.datatype) as DataType,
    dims: (batched ? spec.shape.slice(1) : spec.shape).map(String),
  };
}

/**
 * The requests' queue as Triton's dynamic batcher describes it; the `timeout` and `priority`
 * parameters are honoured. Per-level queue sizes are left out: protobufjs mangles the uint64
 * keys of Triton's `priority_queue_policy` map.
 */
function dynamicBatching(config: ModelConfig, batching: NonNullable<ModelConfig['dynamic_batching']>): ModelDynamicBatching {
  return {
    preferred_batch_size: batching.preferred_batch_sizes,
    max_queue_delay_microseconds: String(batching.max_queue_delay_us),
    default_queue_policy: {
      timeout_action: 'REJECT',
      default_timeout_microseconds: String(config.default_queue_timeout_us),
      allow_timeout_override: true,
      max_queue_size: config.max_queue_size,
    },
    ...(config.priority_levels > 0
      ? { priority_levels: config.priority_levels, default_priority_level: config.default_priority_level ?? config.priority_levels }
      : {}),
  };
}

/** Triton's control kind of each control input infermesh fills. */
const CONTROL_KINDS = {
  start: 'CONTROL_SEQUENCE_START',
  end: 'CONTROL_SEQUENCE_END',
  ready: 'CONTROL_SEQUENCE_READY',
  corrid: 'CONTROL_SEQUENCE_CORRID',
} as const;

/**
 * The sequence scheduler as Triton's sequence batcher describes it: the control inputs with the
 * [false, true] values the runner sets in the input's own type (CORRID carries the sequence id),
 * the implicit state pairs, the idle timeout; each sequence keeps one slot (the direct strategy).
 */
function sequenceBatching(version: ModelVersion, batching: NonNullable<ModelConfig['sequence_batching']>, batched: boolean): ModelSequenceBatching {
  const spec = (name: string | undefined) => version.signature.inputs.find((input) => input.name === name);
  const controlInputs: NonNullable<ModelSequenceBatching['control_input']> = [];
  for (const [kind, name] of Object.entries(batching.control_inputs) as [keyof typeof CONTROL_KINDS, string | undefined][]) {
    const input = spec(name);
    if (!input) continue;
    const control: NonNullable<ModelSequenceBatching['control_input']>[number]['control'] = [];
    if (kind === 'corrid') control!.push({ kind: CONTROL_KINDS[kind], data_type: configDatatype(input.datatype) as DataType });
    else if (input.datatype === 'BOOL') control!.push({ kind: CONTROL_KINDS[kind], bool_false_true: [false, true] });
    else if (input.datatype.startsWith('FP')) control!.push({ kind: CONTROL_KINDS[kind], fp32_false_true: [0, 1] });
    else control!.push({ kind: CONTROL_KINDS[kind], int32_false_true: [0, 1] });
    controlInputs.push({ name: input.name, control });
  }
  const states = batching.states.flatMap(({ input, output }) => {
    const state = spec(input);
    if (!state) return [];
    const { data_type, dims } = tensorConfig(state, batched);
    return [{ input_name: input, output_name: output, data_type, dims }];
  });
  return {
    max_sequence_idle_microseconds: String(batching.max_sequence_idle_us),
    control_input: controlInputs,
    state: states,
    direct: {},
  };
}

/** This runner's instances of the version: one group on its actual device (it may have fallen back to the CPU). */
function instanceGroup(version: ModelVersion, config: ModelConfig): ModelInstanceGroup {
  const gpu = cudaDeviceId(version.device);
  return {
    name: `${version.name}_0`,
    kind: gpu === undefined ? 'KIND_CPU' : 'KIND_GPU',
    count: config.instances,
    gpus: gpu === undefined ? [] : [gpu],
  };
}

/**
 * The config of a READY version as this runner serves it. `readyVersions` fills
 * version_policy: the versions of the model READY here (a gateway puts the mesh's in).
 */
export function tritonModelConfig(version: ModelVersion, readyVersions: readonly string[]): TritonModelConfig {
  const config = version.config;
  if (!config) throw version.notReady();
  const batched = config.max_batch_size > 0;
  const level = GRAPH_LEVELS[config.graph_optimization_level];
  const optimization: ModelOptimizationPolicy | undefined = level === undefined ? undefined : { graph: { level } };
  return {
    name: version.name,
    platform: 'onnxruntime_onnx',
    backend: 'onnxruntime',
    default_model_filename: path.basename(version.source.modelPath),
    max_batch_size: config.max_batch_size,
    input: version.callerSignature.inputs.map((spec) => tensorConfig(spec, batched)),
    output: version.callerSignature.outputs.map((spec) => tensorConfig(spec, batched)),
    instance_group: [instanceGroup(version, config)],
    version_policy: { specific: { versions: [...readyVersions] } },
    ...(optimization ? { optimization } : {}),
    ...(config.dynamic_batching ? { dynamic_batching: dynamicBatching(config, config.dynamic_batching) } : {}),
    ...(config.sequence_batching ? { sequence_batching: sequenceBatching(version, config.sequence_batching, batched) } : {}),
  };
}
