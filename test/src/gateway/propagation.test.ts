/**
 * Deadline and cancellation travel from the caller through the gateway to the runner, which
 * drops a call that nobody waits for any more instead of running it. Gateway and runner are
 * real gRPC servers in this process so the runner's counters can be read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { status } from '@grpc/grpc-js';
import { type InferenceClient } from '@infermesh/client';
import type { Runner } from '@infermesh/runners';
import { waitFor } from '@infermesh/testkit';
import { startInProcessMesh, type InProcessMesh } from '../harness/index.js';

// Both forwarding designs carry deadlines and cancellation to the runner.
describe.each(['http2', 'grpc-js'] as const)('deadline and cancellation propagation (%s forwarding)', (forwarding) => {
  let mesh: InProcessMesh | undefined;
  let runner: Runner;
  let client: InferenceClient;

  beforeAll(async () => {
    const maxMessageBytes = 256 * 1024 * 1024;
    mesh = await startInProcessMesh({
      readyModel: 'heavy',
      runner: { name: 'r', maxMessageBytes, maxTensorElements: 1 << 26 },
      gateway: { maxMessageBytes, forwarding },
      client: { maxMessageBytes },
    });
    ({ runner, client } = mesh);
  }, 60_000);

  afterAll(() => mesh?.close());

  const heavyCounters = () => ({ executed: heavy().stats.executions, dropped: heavy().stats.dropped });
  const heavy = () => runner.store.resolve('heavy', '1');
  /** A heavy batch that keeps the model's worker busy for a while (64 rows × ~0.4 GFLOP, ~0.3 s here). */
  const slowInput = () => ({ input: { datatype: 'FP32' as const, shape: [64, 512], data: new Float32Array(64 * 512).fill(0.01) } });
  /** Three slow calls: two fill the worker's window, one waits in the runner's queue ahead of the next call. */
  async function blockTheModel(): Promise<Promise<unknown>[]> {
    const blockers = [client.infer('heavy', slowInput()), client.infer('heavy', slowInput()), client.infer('heavy', slowInput())];
    await waitFor(async () => heavy().inFlight >= 3, 30_000, 'the slow calls to reach the runner');
    return blockers;
  }
  const quickInput = () => ({ input: { datatype: 'FP32' as const, shape: [1, 512], data: new Float32Array(512).fill(0.01) } });

  it('a call whose deadline passes while queued behind others fails DEADLINE_EXCEEDED and never runs', async () => {
    // One slow call alone, timed here and now: the late call's deadline is a fraction of it, so
    // it passes while the call waits behind three of them, however fast this machine is today,
    // and leaves the call time to reach the runner's queue first.
    const startedSlow = performance.now();
    await client.infer('heavy', slowInput());
    const timeoutMs = Math.max(150, Math.round((performance.now() - startedSlow) / 2));
    const before = { ...heavyCounters() };
    const blockers = await blockTheModel();
    let blockersDone = false;
    const blocked = Promise.all(blockers).finally(() => (blockersDone = true));
    const late = await client.infer('heavy', quickInput(), { timeoutMs }).then(
      () => ({ code: status.OK }),
      (error: { code: number }) => ({ code: error.code }),
    );
    expect(late.code).toBe(status.DEADLINE_EXCEEDED);
    // At its deadline, not once the calls ahead of it had run.
    expect(blockersDone).toBe(false);
    await blocked;
    await waitFor(async () => heavyCounters().dropped > before.dropped, 30_000, 'the runner to drop the expired call');
    expect(heavyCounters().executed - before.executed).toBe(3);
    expect(heavyCounters().dropped - before.dropped).toBe(1);
  }, 60_000);

  it('a call the client cancels while queued is dropped by the runner', async () => {
    const before = { ...heavyCounters() };
    const blockers = await blockTheModel();
    const call = client.stub.ModelInfer(
      {
        model_name: 'heavy',
        inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 512] }],
        raw_input_contents: [Buffer.alloc(2048)],
      },
      () => undefined,
    );
    // Arrived = executed + queued or running; the fourth arrival is the call to cancel.
    await waitFor(async () => heavyCounters().executed - before.executed + heavy().inFlight >= 4, 30_000, 'the call to be queued');
    expect(heavyCounters().executed - before.executed).toBeLessThan(3);
    call.cancel();
    await Promise.all(blockers);
    await waitFor(async () => heavyCounters().dropped > before.dropped, 30_000, 'the runner to drop the cancelled call');
    expect(heavyCounters().executed - before.executed).toBe(3);
  }, 60_000);
});

