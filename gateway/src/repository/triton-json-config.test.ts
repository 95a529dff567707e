import { describe, expect, it } from 'vitest';
import { configYamlFromTritonJson } from './triton-json-config.js';

const mapped = (config: unknown) => JSON.parse(configYamlFromTritonJson(JSON.stringify(config), 'acc')) as unknown;

describe("Triton's JSON model config onto the runner config", () => {
  it('maps what ModelConfig gives back, with int64 values as strings, and ignores what the model file decides', () => {
    expect(
      mapped({
        name: 'acc',
        platform: 'onnxruntime_onnx',
        max_batch_size: 8,
        input: [{ name: 'INPUT', data_type: 'TYPE_INT32', dims: ['1'] }],
        dynamic_batching: { preferred_batch_size: [4, 8], max_queue_delay_microseconds: '300', default_queue_policy: { default_timeout_microseconds: '5000', max_queue_size: 64 } },
        instance_group: [{ name: 'acc_0', kind: 'KIND_CPU', count: 2 }],
        optimization: { graph: { level: -1 } },
        parameters: { intra_op_thread_count: { string_value: '2' } },
        version_policy: { specific: { versions: ['1'] } },
      }),
    ).toEqual({
      max_batch_size: 8,
      dynamic_batching: { preferred_batch_sizes: [4, 8], max_queue_delay_us: 300 },
      max_queue_size: 64,
      default_queue_timeout_us: 5000,
      instances: 2,
      graph_optimization_level: 'basic',
      intra_op_threads: 2,
    });
  });

  it("maps sequence_batching's control inputs by kind and its state pairs", () => {
    expect(
      mapped({
        sequence_batching: {
          max_sequence_idle_microseconds: '2000000',
          direct: {},
          control_input: [
            { name: 'START', control: [{ kind: 'CONTROL_SEQUENCE_START', int32_false_true: [0, 1] }] },
            { name: 'CORRID', control: [{ kind: 'CONTROL_SEQUENCE_CORRID', data_type: 'TYPE_UINT64' }] },
          ],
          state: [{ input_name: 'ACC_IN', output_name: 'ACC_OUT', data_type: 'TYPE_INT32', dims: ['1'] }],
        },
      }),
    ).toEqual({ sequence_batching: { max_sequence_idle_us: 2_000_000, control_inputs: { start: 'START', corrid: 'CORRID' }, states: [{ input: 'ACC_IN', output: 'ACC_OUT' }] } });
  });

  it.each([
    [{ max_batch_size: 'eight' }, 'max_batch_size: expected an integer'],
    [{ sequence_batching: { control_input: [{ name: 'S', control: [{ kind: 'CONTROL_SEQUENCE_NOPE' }] }] } }, 'sequence_batching.control_input[0].control[0].kind: expected one of'],
    [{ ensemble_scheduling: {} }, 'ensemble_scheduling: unknown or unsupported key'],
    [{ backend: 'python' }, "backend: 'python' is not served"],
    [{ max_batch_size: 0, dynamic_batching: {} }, 'dynamic_batching: needs max_batch_size > 0'],
  ])('refuses %o naming what is wrong', (config, message) => {
    expect(() => mapped(config)).toThrow(message);
  });

  it('refuses malformed JSON and a config over the size limit', () => {
    expect(() => configYamlFromTritonJson('{"max_batch_size": ', 'acc')).toThrow("parameters: 'config': not valid JSON");
    expect(() => configYamlFromTritonJson(`{"name": "${'x'.repeat(300_000)}"}`, 'acc')).toThrow('is over the limit of 262144');
  });
});
