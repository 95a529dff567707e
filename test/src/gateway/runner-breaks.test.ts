/**
 * A runner that dies in the middle of its answer costs no call: a relay in front of one of
 * two real runners passes every call on, then resets its connection (as a killed process's
 * kernel does) at a chosen point of a ModelInfer answer — after the response headers, or
 * after the response message but before the trailers. The gateway has shown the caller
 * nothing of that answer yet, and sends the call to the other runner (on both forwarding
 * designs).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InferenceClient } from '@infermesh/client';
import { startRelayedRunners, type RelayedRunners } from '../harness/index.js';
import { startRunnerRelay, type RunnerRelay } from './runner-relay.js';

const CALLS = 40;
const input = { datatype: 'INT32' as const, shape: [1, 16], data: new Int32Array(16).fill(3) };

const CASES = (['http2', 'grpc-js'] as const).flatMap((forwarding) => (['after-headers', 'after-message'] as const).map((breakAt) => ({ forwarding, breakAt })));

describe.each(CASES)('a runner that breaks off its answer $breakAt ($forwarding forwarding)', ({ forwarding, breakAt }) => {
  let mesh: RelayedRunners<RunnerRelay>;

  beforeAll(async () => {
    mesh = await startRelayedRunners((target) => startRunnerRelay(target, { breakAt }), { forwarding });
  }, 120_000);

  afterAll(() => mesh?.close());

  it('answers every call from the other runner', async () => {
    const { client, relay } = mesh;
    const results = await Promise.allSettled(
      Array.from({ length: CALLS }, () => client.infer('simple', { INPUT0: input, INPUT1: input }, { timeoutMs: 30_000 })),
    );
    const failed = results.filter((result) => result.status === 'rejected').map((result) => String((result as PromiseRejectedResult).reason));
    expect(failed).toEqual([]);
    for (const result of results) {
      expect(Array.from((result as PromiseFulfilledResult<Awaited<ReturnType<InferenceClient['infer']>>>).value.outputs.OUTPUT0!.data as Int32Array)).toEqual(new Array(16).fill(6));
    }
    // The relay's runner was tried (and broke) at least once.
    expect(relay.broken).toBeGreaterThan(0);
  }, 60_000);
});
