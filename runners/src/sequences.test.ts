import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { status } from '@grpc/grpc-js';
import { parse as parseYaml } from 'yaml';
import type { InferParameter } from '@infermesh/proto';
import { accumulatorModel, ACCUMULATOR_SEQUENCE_CONFIG, modelInfer, type CallOutcome } from '@infermesh/testkit';
import { modelConfig, valueOf } from './call-extension.test-helper.js';
import { startRunnerWith, type RunnerFixture } from './runner-fixture.test-helper.js';

let fixture: RunnerFixture;
const sequenceConfig = parseYaml(ACCUMULATOR_SEQUENCE_CONFIG) as { sequence_batching: Record<string, unknown> };
beforeAll(async () => {
  fixture = await startRunnerWith([
    { name: 'acc', bytes: accumulatorModel(), config: sequenceConfig },
    { name: 'acc_idle', bytes: accumulatorModel(), config: { sequence_batching: { ...sequenceConfig.sequence_batching, max_sequence_idle_us: 200_000 } } },
    { name: 'acc_bad', bytes: accumulatorModel(), config: { sequence_batching: { ...sequenceConfig.sequence_batching, control_inputs: { start: 'BEGIN' } } } },
  ]);
}, 60_000);
afterAll(() => fixture?.close());

/** One call of a sequence: INPUT = value. */
function step(model: string, id: InferParameter, value: number, flags: { start?: boolean; end?: boolean } = {}): Promise<CallOutcome> {
  return modelInfer(fixture.client, {
    model_name: model,
    parameters: { sequence_id: id, sequence_start: { bool_param: flags.start ?? false }, sequence_end: { bool_param: flags.end ?? false } },
    inputs: [{ name: 'INPUT', datatype: 'INT32', shape: [1] }],
    raw_input_contents: [Buffer.from(Int32Array.of(value).buffer)],
  });
}

/** OUTPUT, CORRID_OUT and END_OUT of a successful call. */
function read(outcome: CallOutcome): { output: number; corrid: bigint; end: number } {
  if (!outcome.ok) throw new Error(`${status[outcome.code]}: ${outcome.details}`);
  const raw = (name: string) => {
    const index = outcome.response.outputs.findIndex((o) => o.name === name);
    return Buffer.from(outcome.response.raw_output_contents[index]!);
  };
  expect(outcome.response.outputs.map((o) => o.name)).toEqual(['OUTPUT', 'CORRID_OUT', 'END_OUT']);
  return { output: raw('OUTPUT').readInt32LE(0), corrid: raw('CORRID_OUT').readBigInt64LE(0), end: raw('END_OUT').readInt32LE(0) };
}

describe('sequence models on a runner', () => {
  it("describes its sequence batcher in ModelConfig as Triton's: controls, state, idle timeout; the caller's inputs only", async () => {
    const { config } = await valueOf(modelConfig(fixture.client, { name: 'acc', version: '' }));
    expect(config!.sequence_batching).toEqual({
      max_sequence_idle_microseconds: '60000000',
      control_input: [
        { name: 'START', control: [{ kind: 'CONTROL_SEQUENCE_START', int32_false_true: [0, 1], fp32_false_true: [], bool_false_true: [], data_type: 'TYPE_INVALID' }] },
        { name: 'END', control: [{ kind: 'CONTROL_SEQUENCE_END', int32_false_true: [0, 1], fp32_false_true: [], bool_false_true: [], data_type: 'TYPE_INVALID' }] },
        { name: 'CORRID', control: [{ kind: 'CONTROL_SEQUENCE_CORRID', int32_false_true: [], fp32_false_true: [], bool_false_true: [], data_type: 'TYPE_INT64' }] },
      ],
      state: [{ input_name: 'ACC_IN', output_name: 'ACC_OUT', data_type: 'TYPE_INT32', dims: ['1'] }],
      direct: { max_queue_delay_microseconds: '0', minimum_slot_utilization: 0 },
      strategy_choice: 'direct',
    });
    expect(config!.scheduling_choice).toBe('sequence_batching');
    expect(config!.input!.map((input) => input.name)).toEqual(['INPUT']);
  });

  it('keeps each sequence its own running sum, with START, END and CORRID fed by the runner', async () => {
    const a = { uint64_param: '1001' };
    const b = { uint64_param: '2002' };
    expect(read(await step('acc', a, 5, { start: true }))).toEqual({ output: 5, corrid: 1001n, end: 0 });
    expect(read(await step('acc', b, 100, { start: true }))).toEqual({ output: 100, corrid: 2002n, end: 0 });
    expect(read(await step('acc', a, 7))).toEqual({ output: 12, corrid: 1001n, end: 0 });
    expect(read(await step('acc', b, 1))).toEqual({ output: 101, corrid: 2002n, end: 0 });
    expect(read(await step('acc', a, -2, { end: true }))).toEqual({ output: 10, corrid: 1001n, end: 1 });
    // A ended sequence has no slot; starting it again starts from zero.
    const ended = await step('acc', a, 1);
    expect(ended).toMatchObject({ ok: false, code: status.UNAVAILABLE });
    expect((ended as { details: string }).details).toContain("sequence '1001' is not live on this runner");
    expect(read(await step('acc', a, 3, { start: true })).output).toBe(3);
    expect(read(await step('acc', b, 1, { end: true })).output).toBe(102);
  });

  it('runs the calls of one sequence in the order they arrive, sent all at once', async () => {
    const id = { uint64_param: '3003' };
    await step('acc', id, 0, { start: true });
    const outcomes = await Promise.all(Array.from({ length: 20 }, (_, i) => step('acc', id, i + 1)));
    expect(outcomes.map((o) => read(o).output).sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => ((i + 1) * (i + 2)) / 2));
  });

  it('refuses calls without a sequence id, and a string id when CORRID is numeric', async () => {
    const none = await modelInfer(fixture.client, { model_name: 'acc', inputs: [{ name: 'INPUT', datatype: 'INT32', shape: [1] }], raw_input_contents: [Buffer.alloc(4)] });
    expect(none).toMatchObject({ ok: false, code: status.INVALID_ARGUMENT });
    expect((none as { details: string }).details).toContain('is a sequence model: every call needs a non-zero sequence_id');
    const text = await step('acc', { string_param: 'abc' }, 1, { start: true });
    expect(text).toMatchObject({ ok: false, code: status.INVALID_ARGUMENT });
    expect((text as { details: string }).details).toContain("sequence id 'abc' is a string, but control input 'CORRID' (CORRID) is INT64");
  });

  it('frees a sequence idle past max_sequence_idle_us', async () => {
    const id = { int64_param: 9 };
    expect(read(await step('acc_idle', id, 4, { start: true })).output).toBe(4);
    await sleep(800);
    const late = await step('acc_idle', id, 1);
    expect(late).toMatchObject({ ok: false, code: status.UNAVAILABLE });
  });

  it('hides the control and state tensors from the metadata, and fails a config naming an input the model lacks', async () => {
    const metadata = await fixture.client.modelMetadata('acc');
    expect(metadata.inputs.map((i) => i.name)).toEqual(['INPUT']);
    expect(metadata.outputs.map((o) => o.name)).toEqual(['OUTPUT', 'CORRID_OUT', 'END_OUT']);
    const bad = fixture.runner.store.find('acc_bad', '1');
    expect(bad).toMatchObject({ state: 'FAILED' });
    expect(bad!.reason).toContain("sequence_batching.control_inputs.start: the model has no input 'BEGIN'");
  });
});
