/** A loaded version described as Triton's ModelConfig, for the ModelConfig extension. */
import path from 'node:path';
import { configDatatype, cudaDeviceId, type ModelConfig } from '@infermesh/common';
import type { DataType, ModelConfig as TritonModelConfig, ModelDynamicBatching, ModelInstanceGroup, ModelOptimizationPolicy } from '@infermesh/proto';
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

/** The requests' queue as Triton's dynamic batcher describes it; the `timeout` parameter is honoured. */
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
  };
}
