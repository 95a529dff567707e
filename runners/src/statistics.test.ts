/** A runner's ModelStatistics: Triton's per-version counters, as this runner alone saw them. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { status } from '@grpc/grpc-js';
import type { ModelStatistics__Output } from '@infermesh/proto/gen/inference/ModelStatistics';
import { int32s, mlpModel, modelInfer, slowInput, slowModel } from '@infermesh/testkit';
import { modelStatistics, valueOf, type ModelRequest } from './call-extension.test-helper.js';
import { startRunnerWith, type RunnerFixture } from './runner-fixture.test-helper.js';

let fixture: RunnerFixture;
beforeAll(async () => {
  fixture = await startRunnerWith([
    { name: 'mlp', version: 1, bytes: mlpModel(1) },
    { name: 'mlp', version: 2, bytes: mlpModel(2) },
    // Warm-up runs must not count.
    { name: 'batched', bytes: mlpModel(1), config: { max_batch_size: 8, warmup: { count: 2, batch_size: 2 } } },
    { name: 'dynamic', bytes: mlpModel(1), config: { max_batch_size: 32, dynamic_batching: { max_queue_delay_us: 20_000 } } },
    { name: 'slow_timeout', bytes: slowModel(), config: { default_queue_timeout_us: 5_000 } },
    { name: 'broken', bytes: new TextEncoder().encode('not an onnx model') },
  ]);
}, 120_000);
afterAll(() => fixture?.close());

const mlpInput = (rows: number) => ({ input: { datatype: 'FP32' as const, shape: [rows, 64], data: new Float32Array(rows * 64).fill(0.5) } });
const statistics = async (request: ModelRequest) => (await valueOf(modelStatistics(fixture.client, request))).model_stats;
const one = async (name: string, version: string): Promise<ModelStatistics__Output> => {
  const stats = await statistics({ name, version });
  expect(stats).toHaveLength(1);
  return stats[0]!;
};
const PHASES = ['success', 'fail', 'queue', 'compute_input', 'compute_infer', 'compute_output'] as const;
const sum = (values: readonly (string | undefined)[]) => values.reduce((total, value) => total + Number(value), 0);

describe('ModelStatistics on a runner', () => {
  it('counts successful and failed requests of a version exactly, and times every phase', async () => {
    const before = Date.now();
    // An unbatched model counts one inference per request, whatever its first dimension.
    for (let i = 0; i < 5; i++) await fixture.client.infer('mlp', mlpInput(2), { version: '1' });
    for (let i = 0; i < 3; i++) {
      const outcome = await modelInfer(fixture.client, {
        model_name: 'mlp',
        model_version: '1',
        inputs: [{ name: 'input', datatype: 'INT32', shape: [1, 64] }],
        raw_input_contents: [int32s(64)],
      });
      expect(outcome).toMatchObject({ ok: false, code: status.INVALID_ARGUMENT });
    }
    const stats = await one('mlp', '1');
    expect(stats).toMatchObject({
      name: 'mlp',
      version: '1',
      inference_count: '5',
      execution_count: '5',
      inference_stats: {
        success: { count: '5' },
        fail: { count: '3' },
        queue: { count: '5' },
        compute_input: { count: '5' },
        compute_infer: { count: '5' },
        compute_output: { count: '5' },
      },
    });
    for (const phase of PHASES) expect(Number(stats.inference_stats![phase]!.ns), phase).toBeGreaterThan(0);
    expect(stats.batch_stats.map((b) => [b.batch_size, b.compute_infer!.count])).toEqual([['1', '5']]);
    const lastInference = Number(stats.last_inference);
    expect(lastInference).toBeGreaterThanOrEqual(before);
    expect(lastInference).toBeLessThanOrEqual(Date.now());
    const version = fixture.runner.store.get('mlp', '1');
    expect(stats.memory_usage).toEqual([{ type: 'CPU', id: '0', byte_size: String(version.memoryBytes) }]);
  });

  it('keeps each version’s counts apart, the default version included', async () => {
    const v1Before = await one('mlp', '1');
    await fixture.client.infer('mlp', mlpInput(1), { version: '2' });
    await fixture.client.infer('mlp', mlpInput(1), { version: '2' });
    await fixture.client.infer('mlp', mlpInput(1)); // the newest READY version: 2
    const [v1, v2] = await statistics({ name: 'mlp' });
    expect(v2).toMatchObject({ version: '2', inference_count: '3', execution_count: '3', inference_stats: { success: { count: '3' } } });
    expect(v1).toEqual(v1Before);
  });

  it('counts every row of a batched request as an inference, and each batch size apart', async () => {
    await fixture.client.infer('batched', mlpInput(4));
    await fixture.client.infer('batched', mlpInput(1));
    const stats = await one('batched', '1');
    expect(stats).toMatchObject({ inference_count: '5', execution_count: '2', inference_stats: { success: { count: '2' } } });
    expect(stats.batch_stats.map((b) => [b.batch_size, b.compute_input!.count, b.compute_infer!.count, b.compute_output!.count])).toEqual([
      ['1', '1', '1', '1'],
      ['4', '1', '1', '1'],
    ]);
    for (const batch of stats.batch_stats) expect(Number(batch.compute_infer!.ns)).toBeGreaterThan(0);
  });

  it('with dynamic batching counts executions per batch and charges every request its batch’s time', async () => {
    const callers = 24;
    await Promise.all(Array.from({ length: callers }, () => fixture.client.infer('dynamic', mlpInput(1))));
    const stats = await one('dynamic', '1');
    const executions = Number(stats.execution_count);
    expect(executions).toBeGreaterThan(0);
    expect(executions).toBeLessThan(callers);
    expect(stats).toMatchObject({
      inference_count: String(callers),
      inference_stats: { success: { count: String(callers) }, queue: { count: String(callers) }, compute_infer: { count: String(callers) } },
    });
    const sizes = stats.batch_stats.map((b) => Number(b.batch_size));
    expect(sizes).toEqual([...sizes].sort((a, b) => a - b));
    expect(sum(stats.batch_stats.map((b) => b.compute_infer!.count))).toBe(executions);
    expect(stats.batch_stats.reduce((rows, b) => rows + Number(b.batch_size) * Number(b.compute_infer!.count), 0)).toBe(callers);
    // Per request every batch's time counts once for each of its requests, so more than per execution.
    expect(Number(stats.inference_stats!.compute_infer!.ns)).toBeGreaterThan(sum(stats.batch_stats.map((b) => b.compute_infer!.ns)));
  }, 60_000);

  it('counts a request that timed out in the queue as a failure that never left the queue', async () => {
    // Two runs go to the instance at once; the third waits longer than 5 ms behind them.
    const outcomes = await Promise.all(
      Array.from({ length: 3 }, () => fixture.client.infer('slow_timeout', slowInput(128)).then(() => status.OK, (error: { code: number }) => error.code)),
    );
    expect(outcomes.sort()).toEqual([status.OK, status.OK, status.DEADLINE_EXCEEDED].sort());
    expect(await one('slow_timeout', '1')).toMatchObject({
      inference_count: '2',
      execution_count: '2',
      inference_stats: { success: { count: '2' }, fail: { count: '1' }, queue: { count: '2' }, compute_infer: { count: '2' } },
    });
  }, 60_000);

  it('lists every version of every model for an empty name, leaving out versions that never loaded', async () => {
    const listed = (await statistics({})).map((s) => `${s.name}/${s.version}`);
    expect(listed).toEqual(['batched/1', 'dynamic/1', 'mlp/1', 'mlp/2', 'slow_timeout/1']);
    expect(await statistics({ name: 'broken' })).toEqual([]);
    const named = await modelStatistics(fixture.client, { name: 'broken', version: '1' });
    expect(named).toMatchObject({ ok: false, code: status.UNAVAILABLE });
  });

  it('answers NOT_FOUND for an unknown model or version', async () => {
    expect(await modelStatistics(fixture.client, { name: 'nope' })).toEqual({ ok: false, code: status.NOT_FOUND, details: "unknown model 'nope'" });
    expect(await modelStatistics(fixture.client, { name: 'mlp', version: '9' })).toEqual({
      ok: false,
      code: status.NOT_FOUND,
      details: "model 'mlp' has no version '9' (versions: 1, 2)",
    });
  });
});
