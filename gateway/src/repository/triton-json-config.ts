/**
 * Triton's JSON model config (RepositoryModelLoad's `config` parameter, the form
 * `get_model_config(as_json=True)` gives and `load_model(config=...)` sends) mapped onto the
 * runner model config and checked by the runners' own schema. Like Triton, the config given
 * replaces the model's whole config: a key it leaves out takes its default. Keys that
 * ModelConfig reports but that the model file decides (input, output) or the registry decides
 * (version_policy) are accepted and not applied (default_model_filename too); any other key is refused, named.
 */
import { modelConfigProblems, ServiceError, type ModelConfigInput } from '@infermesh/common';

/** Largest `config` parameter taken, in bytes. */
export const MAX_CONFIG_JSON_BYTES = 256 * 1024;

const INFORMATIVE_KEYS = ['name', 'platform', 'backend', 'default_model_filename', 'input', 'output', 'version_policy'];
const MAPPED_KEYS = ['max_batch_size', 'dynamic_batching', 'sequence_batching', 'instance_group', 'optimization', 'parameters'];
const CONTROL_KINDS: Record<string, 'start' | 'end' | 'ready' | 'corrid'> = {
  CONTROL_SEQUENCE_START: 'start',
  CONTROL_SEQUENCE_END: 'end',
  CONTROL_SEQUENCE_READY: 'ready',
  CONTROL_SEQUENCE_CORRID: 'corrid',
};

type JsonObject = Record<string, unknown>;

const refuse = (message: string) => ServiceError.invalidArgument(`parameters: 'config': ${message}`);

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Refuses any key of `object` outside `known`, naming it by its path. */
function checkKeys(object: JsonObject, known: readonly string[], path: string): void {
  for (const key of Object.keys(object)) {
    if (!known.includes(key)) throw refuse(`${path}${key.slice(0, 100)}: unknown or unsupported key (known here: ${known.join(', ')})`);
  }
}

function objectAt(value: unknown, path: string): JsonObject {
  if (!isObject(value)) throw refuse(`${path}: expected an object`);
  return value;
}

/** A proto3 JSON integer: a number, or (int64, uint64) a string of digits. */
function integerAt(value: unknown, path: string): number {
  const number = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isSafeInteger(number)) throw refuse(`${path}: expected an integer, got ${JSON.stringify(value)?.slice(0, 40)}`);
  return number;
}

function dynamicBatching(value: unknown): NonNullable<ModelConfigInput['dynamic_batching']> & Pick<ModelConfigInput, 'max_queue_size' | 'default_queue_timeout_us'> {
  const batching = objectAt(value, 'dynamic_batching');
  checkKeys(batching, ['preferred_batch_size', 'max_queue_delay_microseconds', 'default_queue_policy'], 'dynamic_batching.');
  const mapped: ReturnType<typeof dynamicBatching> = {};
  if (batching.preferred_batch_size !== undefined) {
    if (!Array.isArray(batching.preferred_batch_size)) throw refuse('dynamic_batching.preferred_batch_size: expected a list of integers');
    mapped.preferred_batch_sizes = batching.preferred_batch_size.map((size, i) => integerAt(size, `dynamic_batching.preferred_batch_size[${i}]`));
  }
  if (batching.max_queue_delay_microseconds !== undefined) mapped.max_queue_delay_us = integerAt(batching.max_queue_delay_microseconds, 'dynamic_batching.max_queue_delay_microseconds');
  if (batching.default_queue_policy !== undefined) {
    const policy = objectAt(batching.default_queue_policy, 'dynamic_batching.default_queue_policy');
    checkKeys(policy, ['default_timeout_microseconds', 'max_queue_size', 'timeout_action', 'allow_timeout_override'], 'dynamic_batching.default_queue_policy.');
    if (policy.default_timeout_microseconds !== undefined) {
      mapped.default_queue_timeout_us = integerAt(policy.default_timeout_microseconds, 'dynamic_batching.default_queue_policy.default_timeout_microseconds');
    }
    // Triton's 0 means unbounded; infermesh always bounds its queue, so 0 keeps the default.
    const size = policy.max_queue_size === undefined ? 0 : integerAt(policy.max_queue_size, 'dynamic_batching.default_queue_policy.max_queue_size');
    if (size > 0) mapped.max_queue_size = size;
  }
  return mapped;
}

function stringAt(value: unknown, path: string): string {
  if (typeof value !== 'string' || value === '') throw refuse(`${path}: expected a non-empty string`);
  return value;
}

function listAt(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw refuse(`${path}: expected a list`);
  return value;
}

/** `sequence_batching`: the idle timeout, the control inputs by kind, the implicit state pairs (the strategy is the runner's). */
function sequenceBatching(value: unknown): NonNullable<ModelConfigInput['sequence_batching']> {
  const sequence = objectAt(value, 'sequence_batching');
  checkKeys(sequence, ['max_sequence_idle_microseconds', 'control_input', 'state', 'direct', 'oldest'], 'sequence_batching.');
  const controls: Partial<Record<'start' | 'end' | 'ready' | 'corrid', string>> = {};
  listAt(sequence.control_input ?? [], 'sequence_batching.control_input').forEach((input, i) => {
    const path = `sequence_batching.control_input[${i}]`;
    const fields = objectAt(input, path);
    checkKeys(fields, ['name', 'control'], `${path}.`);
    const name = stringAt(fields.name, `${path}.name`);
    listAt(fields.control ?? [], `${path}.control`).forEach((control, j) => {
      const controlPath = `${path}.control[${j}]`;
      const kind = objectAt(control, controlPath);
      checkKeys(kind, ['kind', 'int32_false_true', 'fp32_false_true', 'bool_false_true', 'data_type'], `${controlPath}.`);
      const mapped = CONTROL_KINDS[String(kind.kind)];
      if (!mapped) throw refuse(`${controlPath}.kind: expected one of ${Object.keys(CONTROL_KINDS).join(', ')}`);
      controls[mapped] = name;
    });
  });
  const states = listAt(sequence.state ?? [], 'sequence_batching.state').map((state, i) => {
    const path = `sequence_batching.state[${i}]`;
    const fields = objectAt(state, path);
    checkKeys(fields, ['input_name', 'output_name', 'data_type', 'dims'], `${path}.`);
    return { input: stringAt(fields.input_name, `${path}.input_name`), output: stringAt(fields.output_name, `${path}.output_name`) };
  });
  return {
    control_inputs: controls,
    states,
    ...(sequence.max_sequence_idle_microseconds === undefined
      ? {}
      : { max_sequence_idle_us: integerAt(sequence.max_sequence_idle_microseconds, 'sequence_batching.max_sequence_idle_microseconds') }),
  };
}

/** Instances per runner: the counts of every group (Triton's `count` is per device; 1 when absent). */
function instances(value: unknown): number {
  if (!Array.isArray(value)) throw refuse('instance_group: expected a list of groups');
  return value.reduce<number>((sum, group, i) => {
    const path = `instance_group[${i}]`;
    const fields = objectAt(group, path);
    checkKeys(fields, ['name', 'kind', 'count', 'gpus'], `${path}.`);
    return sum + (fields.count === undefined ? 1 : integerAt(fields.count, `${path}.count`));
  }, 0);
}

/** `optimization.graph.level`: -1 basic, 1 extended, anything else all (Triton's onnxruntime backend). */
function graphLevel(value: unknown): ModelConfigInput['graph_optimization_level'] {
  const optimization = objectAt(value, 'optimization');
  checkKeys(optimization, ['graph'], 'optimization.');
  if (optimization.graph === undefined) return undefined;
  const graph = objectAt(optimization.graph, 'optimization.graph');
  checkKeys(graph, ['level'], 'optimization.graph.');
  if (graph.level === undefined) return undefined;
  const level = integerAt(graph.level, 'optimization.graph.level');
  return level === -1 ? 'basic' : level === 1 ? 'extended' : 'all';
}

/** Backend parameters: only `intra_op_thread_count` (`{"string_value": "4"}`) means anything to infermesh. */
function intraOpThreads(value: unknown): number | undefined {
  const parameters = objectAt(value, 'parameters');
  checkKeys(parameters, ['intra_op_thread_count'], 'parameters.');
  if (parameters.intra_op_thread_count === undefined) return undefined;
  const parameter = objectAt(parameters.intra_op_thread_count, 'parameters.intra_op_thread_count');
  checkKeys(parameter, ['string_value'], 'parameters.intra_op_thread_count.');
  return integerAt(parameter.string_value, 'parameters.intra_op_thread_count.string_value');
}

function checkServable(config: JsonObject, model: string): void {
  if (config.name !== undefined && config.name !== model) throw refuse(`name: '${String(config.name).slice(0, 100)}' differs from the model loaded, '${model}'`);
  if (config.platform !== undefined && config.platform !== '' && config.platform !== 'onnxruntime_onnx') {
    throw refuse(`platform: '${String(config.platform).slice(0, 100)}' is not served: infermesh serves ONNX models (onnxruntime_onnx) only`);
  }
  if (config.backend !== undefined && config.backend !== '' && config.backend !== 'onnxruntime') {
    throw refuse(`backend: '${String(config.backend).slice(0, 100)}' is not served: infermesh serves ONNX models (onnxruntime) only`);
  }
}

/** The runner config (as its YAML text: JSON is YAML) for `model` from Triton's JSON `text`. */
export function configYamlFromTritonJson(text: string, model: string): string {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_CONFIG_JSON_BYTES) throw refuse(`${bytes} bytes is over the limit of ${MAX_CONFIG_JSON_BYTES}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw refuse(`not valid JSON: ${(error as Error).message}`);
  }
  const config = objectAt(parsed, '(root)');
  checkKeys(config, [...INFORMATIVE_KEYS, ...MAPPED_KEYS], '');
  checkServable(config, model);

  const mapped: ModelConfigInput = {};
  if (config.max_batch_size !== undefined) mapped.max_batch_size = integerAt(config.max_batch_size, 'max_batch_size');
  if (config.dynamic_batching !== undefined) {
    const { max_queue_size, default_queue_timeout_us, ...batching } = dynamicBatching(config.dynamic_batching);
    mapped.dynamic_batching = batching;
    if (max_queue_size !== undefined) mapped.max_queue_size = max_queue_size;
    if (default_queue_timeout_us !== undefined) mapped.default_queue_timeout_us = default_queue_timeout_us;
  }
  if (config.sequence_batching !== undefined) mapped.sequence_batching = sequenceBatching(config.sequence_batching);
  if (config.instance_group !== undefined) mapped.instances = instances(config.instance_group);
  if (config.optimization !== undefined) {
    const level = graphLevel(config.optimization);
    if (level !== undefined) mapped.graph_optimization_level = level;
  }
  if (config.parameters !== undefined) {
    const threads = intraOpThreads(config.parameters);
    if (threads !== undefined) mapped.intra_op_threads = threads;
  }
  // The runners' own schema: what they would refuse at load is refused now, naming the key.
  const problems = modelConfigProblems(mapped);
  if (problems.length > 0) throw refuse(problems.join('; '));
  return JSON.stringify(mapped);
}
