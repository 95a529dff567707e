/** The response cache on a real runner and onnxruntime: opt-in per version, bounded, never shared across versions. */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { status } from '@grpc/grpc-js';
import { parse as parseYaml } from 'yaml';
import type { ModelInferResponse__Output } from '@infermesh/proto';
import { accumulatorModel, ACCUMULATOR_SEQUENCE_CONFIG, metricValue, mlpModel, modelInfer, scrape, type CallOutcome } from '@infermesh/testkit';
import { modelStatistics, valueOf } from './call-extension.test-helper.js';
import { startRunnerWith, type RunnerFixture } from './runner-fixture.test-helper.js';

/** One cached answer of `mlp` (one row): 40 output bytes, the key and the per-entry overhead. */
const ENTRY_BYTES = 40 + 44 + 256;
const sequenceConfig = parseYaml(ACCUMULATOR_SEQUENCE_CONFIG) as { sequence_batching: Record<string, unknown> };

let fixture: RunnerFixture;
beforeAll(async () => {
  fixture = await startRunnerWith([
    { name: 'cached', version: 1, bytes: mlpModel(1), config: { response_cache: { max_bytes: 1 << 20 } } },
    { name: 'cached', version: 2, bytes: mlpModel(2) },
    { name: 'uncached', bytes: mlpModel(1) },
    { name: 'two_entries', bytes: mlpModel(1), config: { response_cache: { max_bytes: 2 * ENTRY_BYTES + 10 } } },
    { name: 'acc', bytes: accumulatorModel(), config: { ...sequenceConfig, response_cache: { max_bytes: 1 << 20 } } },
  ]);
}, 120_000);
afterAll(() => fixture?.close());

const row = (seed: number) => Buffer.from(Float32Array.from({ length: 64 }, (_, k) => Math.sin(seed * 64 + k)).buffer);

async function call(target: RunnerFixture, model: string, seed: number, version = '1', id = randomUUID()): Promise<ModelInferResponse__Output> {
  const outcome = await modelInfer(target.client, {
    model_name: model,
    model_version: version,
    id,
    inputs: [{ name: 'input', datatype: 'FP32', shape: ['1', '64'] }],
    raw_input_contents: [row(seed)],
  });
  if (!outcome.ok) throw new Error(`${status[outcome.code]}: ${outcome.details}`);
  expect(outcome.response.id).toBe(id);
  return outcome.response;
}

const cacheOf = (target: RunnerFixture, model: string, version = '1') => target.runner.store.resolve(model, version).status().response_cache;
const executions = (model: string, version = '1') => fixture.runner.store.resolve(model, version).statistics.executions;

describe('response cache', () => {
  it('answers a repeated request with identical output bytes, without running the model', async () => {
    const first = await call(fixture, 'cached', 1);
    const ran = executions('cached');
    const second = await call(fixture, 'cached', 1);
    expect(executions('cached')).toBe(ran);
    expect(second.outputs).toEqual(first.outputs);
    expect(Buffer.from(second.raw_output_contents[0]!).equals(Buffer.from(first.raw_output_contents[0]!))).toBe(true);
    expect(cacheOf(fixture, 'cached')).toMatchObject({ hits: 1, misses: 1, entries: 1, evictions: 0 });
    const { model_stats } = await valueOf(modelStatistics(fixture.client, { name: 'cached', version: '1' }));
    expect(model_stats[0]!.inference_stats!.cache_hit!.count).toBe('1');
    expect(model_stats[0]!.inference_stats!.cache_miss!.count).toBe('1');
    expect(model_stats[0]!.inference_stats!.success!.count).toBe('2');
  });

  it('misses for different inputs, and for the same inputs under scheduling-free parameters only when they differ', async () => {
    const before = cacheOf(fixture, 'cached')!;
    const other = await call(fixture, 'cached', 2);
    expect(Buffer.from(other.raw_output_contents[0]!).equals(Buffer.from((await call(fixture, 'cached', 1)).raw_output_contents[0]!))).toBe(false);
    const tagged = (tag: string, priority: number): Promise<CallOutcome> =>
      modelInfer(fixture.client, {
        model_name: 'cached',
        model_version: '1',
        parameters: { tag: { string_param: tag }, priority: { uint64_param: priority } },
        inputs: [{ name: 'input', datatype: 'FP32', shape: ['1', '64'] }],
        raw_input_contents: [row(2)],
      });
    expect((await tagged('a', 1)).ok).toBe(true);
    expect((await tagged('a', 2)).ok).toBe(true); // priority only schedules: a hit
    expect((await tagged('b', 1)).ok).toBe(true);
    const after = cacheOf(fixture, 'cached')!;
    expect(Number(after.misses) - Number(before.misses)).toBe(3); // seed 2, tag a, tag b
    expect(Number(after.hits) - Number(before.hits)).toBe(2); // seed 1 again, tag a with another priority
  });

  it('never shares answers across versions, and caches nothing for a version that does not opt in', async () => {
    // The model's config.yaml holds for both versions: each has a cache of its own.
    const v1 = await call(fixture, 'cached', 7, '1');
    const v2 = await call(fixture, 'cached', 7, '2');
    expect(Buffer.from(v2.raw_output_contents[0]!).equals(Buffer.from(v1.raw_output_contents[0]!))).toBe(false);
    expect(cacheOf(fixture, 'cached', '2')).toMatchObject({ hits: 0, misses: 1, entries: 1 });
    const again = await call(fixture, 'cached', 7, '2');
    expect(Buffer.from(again.raw_output_contents[0]!).equals(Buffer.from(v2.raw_output_contents[0]!))).toBe(true);
    expect(cacheOf(fixture, 'cached', '2')).toMatchObject({ hits: 1, misses: 1 });
    const ran = executions('uncached');
    await call(fixture, 'uncached', 7);
    await call(fixture, 'uncached', 7);
    expect(executions('uncached')).toBe(ran + 2);
    expect(cacheOf(fixture, 'uncached')).toBeUndefined();
  });

  it("holds a version's cache to its max_bytes, evicting the least recently used answer", async () => {
    await call(fixture, 'two_entries', 1);
    await call(fixture, 'two_entries', 2);
    await call(fixture, 'two_entries', 1); // 1 is now the most recent
    await call(fixture, 'two_entries', 3); // evicts 2
    expect(cacheOf(fixture, 'two_entries')).toMatchObject({ entries: 2, evictions: 1, hits: 1, misses: 3 });
    expect(Number(cacheOf(fixture, 'two_entries')!.bytes)).toBeLessThanOrEqual(2 * ENTRY_BYTES + 10);
    await call(fixture, 'two_entries', 1);
    await call(fixture, 'two_entries', 2);
    expect(cacheOf(fixture, 'two_entries')).toMatchObject({ hits: 2, misses: 4 });
  });

  it('is bypassed by a sequence model: each call runs against its state', async () => {
    const step = async (value: number, start: boolean) => {
      const outcome = await modelInfer(fixture.client, {
        model_name: 'acc',
        parameters: { sequence_id: { uint64_param: 42 }, sequence_start: { bool_param: start } },
        inputs: [{ name: 'INPUT', datatype: 'INT32', shape: ['1'] }],
        raw_input_contents: [Buffer.from(Int32Array.of(value).buffer)],
      });
      if (!outcome.ok) throw new Error(outcome.details);
      return Buffer.from(outcome.response.raw_output_contents[0]!).readInt32LE(0);
    };
    expect(await step(5, true)).toBe(5);
    expect(await step(5, false)).toBe(10);
    expect(await step(5, false)).toBe(15);
    expect(cacheOf(fixture, 'acc')).toBeUndefined();
  });
});

describe("the runner's response cache budget", () => {
  let small: RunnerFixture;
  beforeAll(async () => {
    small = await startRunnerWith(
      [
        { name: 'a', bytes: mlpModel(1), config: { response_cache: { max_bytes: 1 << 20 } } },
        { name: 'b', bytes: mlpModel(2), config: { response_cache: { max_bytes: 1 << 20 } } },
      ],
      'cpu',
      { responseCacheBytes: 3 * ENTRY_BYTES, metricsPort: 0 },
    );
  }, 60_000);
  afterAll(() => small?.close());

  it('holds every version together to responseCacheBytes, evicting the runner-wide least recently used, and reports it on /metrics', async () => {
    await call(small, 'a', 1);
    await call(small, 'a', 2);
    await call(small, 'b', 1);
    await call(small, 'b', 2); // the runner's oldest is a/1
    const a = cacheOf(small, 'a')!;
    const b = cacheOf(small, 'b')!;
    expect(Number(a.bytes) + Number(b.bytes)).toBeLessThanOrEqual(3 * ENTRY_BYTES);
    expect(a).toMatchObject({ entries: 1, evictions: 1, max_bytes: 3 * ENTRY_BYTES });
    expect(b).toMatchObject({ entries: 2, evictions: 0 });
    await call(small, 'a', 2);
    const text = await scrape(small.runner.metricsAddress!);
    const series = (model: string) => ({ model, version: '1', service: 'runner', runner: 'test' });
    expect(metricValue(text, 'infermesh_runner_response_cache_hits_total', series('a'))).toBe(1);
    expect(metricValue(text, 'infermesh_runner_response_cache_misses_total', series('a'))).toBe(2);
    expect(metricValue(text, 'infermesh_runner_response_cache_evictions_total', series('a'))).toBe(1);
    expect(metricValue(text, 'infermesh_runner_response_cache_bytes', series('b'))).toBe(2 * ENTRY_BYTES);
  });
});
