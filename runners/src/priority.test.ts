/** Per-call priority (Triton's `priority` request parameter) in a runner's queue, under a saturated slow model. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { status } from '@grpc/grpc-js';
import { modelInfer, waitFor, quickInput, slowInput, slowModel } from '@infermesh/testkit';
import { startRunnerWith, type RunnerFixture } from './runner-fixture.test-helper.js';

let fixture: RunnerFixture;
beforeAll(async () => {
  fixture = await startRunnerWith([
    {
      name: 'slow',
      bytes: slowModel(),
      config: { priority_levels: 3, default_priority_level: 2, priority_queue_policy: { '2': { max_queue_size: 3 } } },
    },
  ]);
}, 120_000);
afterAll(() => fixture?.close());

const version = () => fixture.runner.store.resolve('slow', '1');
const codeOf = (promise: Promise<unknown>) => promise.then(() => status.OK, (error: { code: number }) => error.code);

describe('priority', () => {
  it('runs queued high-priority calls before the low-priority calls queued ahead of them, and holds each level to its queue size', async () => {
    const finished: string[] = [];
    const track = (name: string, priority: number | undefined, input = slowInput()) =>
      fixture.client.infer('slow', input, priority === undefined ? {} : { priority }).then(() => finished.push(name));
    // Two runs fill the instance's window; three more wait at the default level, which then is full.
    // Long enough that everything below is queued while they run (a few seconds on a loaded machine).
    const busy = [track('busy-1', 3, slowInput(2048)), track('busy-2', 3, slowInput(2048))];
    await waitFor(async () => version().inFlight === 2, 30_000, 'the instance to be busy');
    // The queued calls take a while each (~0.15 s here), so the order they finish in is the order the
    // instance ran them, not the order the client happened to read a burst of answers in: an in-process
    // client under load reads answers finished a millisecond apart in any order.
    const queuedInput = () => slowInput(256);
    const low = [track('low-1', undefined, queuedInput()), track('low-2', 0, queuedInput()), track('low-3', 2, queuedInput())];
    await waitFor(async () => version().queueDepth === 3, 30_000, 'the default level to fill');
    // Level 2 is full, whether a call names it, sends 0, or a priority over the levels (both mean the default, as in Triton).
    for (const priority of [2, 0, 99]) {
      await expect(fixture.client.infer('slow', quickInput(), { priority })).rejects.toMatchObject({
        code: status.RESOURCE_EXHAUSTED,
        details: 'queue full at priority level 2: 3 requests of that level are already waiting',
      });
    }
    // Other levels still queue: a level-3 call behind the lows, a level-1 call ahead of them.
    const lowest = track('lowest', 3, queuedInput());
    const high = track('high', 1, queuedInput());
    await waitFor(async () => version().queueDepth === 5 || finished.length > 0, 30_000, 'the high and lowest calls to queue');
    expect(finished, 'a blocker finished before every call was queued: the machine is too slow for this test').toEqual([]);
    await Promise.all([...busy, ...low, lowest, high]);
    // Queued last, the high call leaves the queue first: it is in the first pair the instance
    // takes once the blockers are done (an instance holds two runs and may finish them in either
    // order, so a low taken with it can finish first). Without priority it would finish last.
    // The lowest, queued behind the lows at a lower level, is in the last pair.
    const queued = finished.filter((name) => !name.startsWith('busy'));
    const order = `finished in the order ${queued.join(', ')}`;
    expect(queued.slice().sort(), order).toEqual(['high', 'low-1', 'low-2', 'low-3', 'lowest']);
    expect(queued.indexOf('high'), order).toBeLessThan(2);
    expect(queued.indexOf('lowest'), order).toBeGreaterThanOrEqual(3);
    expect(Number(version().status().rejected)).toBe(3);
  }, 120_000);

  it('refuses a priority that is not a non-negative integer, naming the parameter', async () => {
    const call = (priority: object) =>
      modelInfer(fixture.client, {
        model_name: 'slow',
        parameters: { priority },
        inputs: [{ name: 'input', datatype: 'FP32', shape: ['1', '256'] }],
        raw_input_contents: [Buffer.alloc(1024)],
      });
    expect(await call({ string_param: 'high' })).toEqual({
      ok: false,
      code: status.INVALID_ARGUMENT,
      details: `parameter 'priority' must be a non-negative int64 or uint64 (1 is the highest level, 0 the default), got "high"`,
    });
    expect(await call({ int64_param: -1 })).toMatchObject({ ok: false, code: status.INVALID_ARGUMENT });
    expect(await codeOf(fixture.client.infer('slow', quickInput(), { priority: 1 }))).toBe(status.OK);
  });
});
