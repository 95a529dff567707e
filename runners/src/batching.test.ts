import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { status } from '@grpc/grpc-js';
import { DataType, mlpModel, modelInfer, node, serializeModel, stringsModel, valueInfo, waitFor, quickInput as quick, slowInput as slow, slowModel } from '@infermesh/testkit';
import { startRunnerWith, type RunnerFixture } from './runner-fixture.test-helper.js';

const fixedBatchModel = serializeModel({
  name: 'fixed',
  nodes: [node('Identity', ['INPUT'], ['OUTPUT'])],
  inputs: [valueInfo('INPUT', DataType.FLOAT, [4, 3])],
  outputs: [valueInfo('OUTPUT', DataType.FLOAT, [4, 3])],
});

let fixture: RunnerFixture;
beforeAll(async () => {
  fixture = await startRunnerWith([
    { name: 'mlp_batched', bytes: mlpModel(1), config: { max_batch_size: 32, dynamic_batching: { max_queue_delay_us: 20_000 } } },
    { name: 'mlp_single', bytes: mlpModel(1) },
    { name: 'strings_batched', bytes: stringsModel(), config: { max_batch_size: 16, dynamic_batching: { max_queue_delay_us: 20_000 } } },
    { name: 'slow_small_queue', bytes: slowModel(), config: { max_queue_size: 2 } },
    { name: 'slow_timeout', bytes: slowModel(), config: { default_queue_timeout_us: 50_000 } },
    { name: 'fixed', bytes: fixedBatchModel, config: { max_batch_size: 8 } },
    { name: 'warm', bytes: mlpModel(2), config: { max_batch_size: 4, warmup: { count: 2, batch_size: 4, data: 'random' } } },
    { name: 'two_instances', bytes: mlpModel(2), config: { instances: 2 } },
  ]);
}, 120_000);
afterAll(() => fixture?.close());

const version = (name: string) => fixture.runner.store.resolve(name, '1');
const rows = (i: number) => Float32Array.from({ length: 64 }, (_, k) => Math.sin(i * 64 + k));
const codeOf = (promise: Promise<unknown>) => promise.then(() => status.OK, (error: { code: number }) => error.code);

describe('dynamic batching', () => {
  it('forms batches under concurrent load and gives every caller exactly its own rows', async () => {
    const callers = 48;
    const batched = await Promise.all(
      Array.from({ length: callers }, (_, i) =>
        fixture.client.infer('mlp_batched', { input: { datatype: 'FP32', shape: [1 + (i % 3), 64], data: new Float32Array([...Array(1 + (i % 3))].flatMap((_, r) => [...rows(i * 10 + r)])) } }),
      ),
    );
    const single = await Promise.all(
      Array.from({ length: callers }, (_, i) =>
        fixture.client.infer('mlp_single', { input: { datatype: 'FP32', shape: [1 + (i % 3), 64], data: new Float32Array([...Array(1 + (i % 3))].flatMap((_, r) => [...rows(i * 10 + r)])) } }),
      ),
    );
    batched.forEach((result, i) => {
      expect(result.outputs.output!.shape).toEqual([1 + (i % 3), 10]);
      const got = [...(result.outputs.output!.data as Float32Array)];
      const want = [...(single[i]!.outputs.output!.data as Float32Array)];
      got.forEach((value, k) => expect(value).toBeCloseTo(want[k]!, 5));
    });
    const status = version('mlp_batched').status();
    expect(Math.max(...status.batch_sizes!.map((b) => Number(b.batch_size)))).toBeGreaterThan(1);
    expect(Number(status.executions)).toBeLessThan(callers);
    expect(Number(status.inferences)).toBe(callers);
    expect(status.batch_sizes!.every((b) => Number(b.batch_size) <= 32)).toBe(true);
  }, 60_000);

  it('never mixes requests whose non-batch shapes differ', async () => {
    const words = (n: number, tag: string) => Array.from({ length: n }, (_, k) => `${tag}-${k}`);
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => {
        const width = 1 + (i % 3);
        return fixture.client.infer('strings_batched', { INPUT: { datatype: 'BYTES', shape: [1, width], data: words(width, `c${i}`) } });
      }),
    );
    results.forEach((result, i) => {
      const width = 1 + (i % 3);
      expect(result.outputs.OUTPUT!.shape).toEqual([1, width]);
      expect(result.outputs.OUTPUT!.data).toEqual(words(width, `c${i}`));
    });
    expect(Number(version('strings_batched').status().inferences)).toBe(12);
  });

  it('refuses a batch over max_batch_size, and inputs that disagree on the batch', async () => {
    expect(
      await modelInfer(fixture.client, {
        model_name: 'mlp_batched',
        inputs: [{ name: 'input', datatype: 'FP32', shape: [33, 64] }],
        raw_input_contents: [Buffer.alloc(33 * 64 * 4)],
      }),
    ).toEqual({ ok: false, code: status.INVALID_ARGUMENT, details: "input 'input': batch size 33 is over the model's max_batch_size 32" });
  });

  it('fails to load a batched model whose first dimension is fixed, saying why', () => {
    const fixed = fixture.runner.store.versionsOf('fixed')[0]!.status();
    expect(fixed.state).toBe('FAILED');
    expect(fixed.reason).toBe("max_batch_size 8 needs a variable first dimension on every input and output; input 'INPUT' has shape [4,3]");
  });
});

describe('queue limits', () => {
  it('answers RESOURCE_EXHAUSTED at once when the queue is full', async () => {
    const blockers = Array.from({ length: 4 }, () => fixture.client.infer('slow_small_queue', slow()));
    await waitFor(async () => version('slow_small_queue').inFlight >= 4, 30_000, 'the queue to fill');
    let blockersDone = false;
    const blocked = Promise.all(blockers).finally(() => (blockersDone = true));
    expect(await codeOf(fixture.client.infer('slow_small_queue', quick()))).toBe(status.RESOURCE_EXHAUSTED);
    // At once: while the calls that fill the queue still hold it, not after they have run.
    expect(blockersDone).toBe(false);
    await blocked;
    expect(Number(version('slow_small_queue').status().rejected)).toBe(1);
  }, 60_000);

  it('answers DEADLINE_EXCEEDED when the request’s timeout parameter passes in the queue, and never runs it', async () => {
    const model = version('slow_small_queue');
    const before = model.stats.executions;
    const blockers = Array.from({ length: 3 }, () => fixture.client.infer('slow_small_queue', slow()));
    await waitFor(async () => model.inFlight >= 3, 30_000, 'the blockers to queue');
    const outcome = await modelInfer(fixture.client, {
      model_name: 'slow_small_queue',
      parameters: { timeout: { int64_param: 2000 } },
      inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 256] }],
      raw_input_contents: [Buffer.alloc(1024)],
    });
    expect(outcome).toEqual({ ok: false, code: status.DEADLINE_EXCEEDED, details: 'request waited longer than its queue timeout of 2000 µs' });
    await Promise.all(blockers);
    expect(model.stats.executions - before).toBe(3);
  }, 60_000);

  it('applies the model’s default queue timeout to requests that set none', async () => {
    const codes = await Promise.all(Array.from({ length: 3 }, () => codeOf(fixture.client.infer('slow_timeout', slow()))));
    // Two runs go to the worker at once; the third waits longer than 50 ms behind them.
    expect(codes.sort()).toEqual([status.OK, status.OK, status.DEADLINE_EXCEEDED].sort());
  }, 60_000);

  it('refuses a malformed timeout parameter', async () => {
    const outcome = await modelInfer(fixture.client, {
      model_name: 'mlp_single',
      parameters: { timeout: { string_param: 'soon' } },
      inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 64] }],
      raw_input_contents: [Buffer.alloc(256)],
    });
    expect(outcome).toEqual({
      ok: false,
      code: status.INVALID_ARGUMENT,
      details: "parameter 'timeout' must be a non-negative int64 number of microseconds",
    });
  });
});

describe('instances and warm-up', () => {
  it('runs a version on several instances and reports them', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => fixture.client.infer('two_instances', { input: { datatype: 'FP32', shape: [1, 64], data: rows(i) } })));
    expect(results).toHaveLength(8);
    expect(version('two_instances').status()).toMatchObject({ instances: 2, state: 'READY', device: 'cpu' });
  });

  it('warms up before READY (warm-up runs do not count as inferences)', async () => {
    const warm = version('warm').status();
    expect(warm).toMatchObject({ state: 'READY', max_batch_size: 4, executions: 0 });
  });
});
