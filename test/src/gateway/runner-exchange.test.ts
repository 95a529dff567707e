/**
 * How the gateway's http2 forwarding calls runners (`gateway.runnerCalls`): by default many
 * calls on one Exchange stream per runner session; a runner that refuses Exchange (served by
 * grpc-js) is called a stream per call, and the calls it refused are answered all the same;
 * with `streams` every call is a stream of its own. A recording relay in front of each real
 * runner sees which.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import type { InferenceClient } from '@infermesh/client';
import { startRelayedGateway, type RelayedGateway } from './relayed-gateway.js';
import type { RunnerRelay } from './runner-relay.js';

const input = { datatype: 'INT32' as const, shape: [1, 16], data: new Int32Array(16).fill(2) };
const CALLS = 30;

const CASES = [
  { runnerServer: 'http2', runnerCalls: 'exchange', onExchange: CALLS },
  { runnerServer: 'grpc-js', runnerCalls: 'exchange', onExchange: 0 },
  { runnerServer: 'http2', runnerCalls: 'streams', onExchange: 0 },
] as const;

describe.each(CASES)('a runner served by $runnerServer, gateway.runnerCalls $runnerCalls', ({ runnerServer, runnerCalls, onExchange }) => {
  let relay: RunnerRelay;
  let client: InferenceClient;
  let mesh: RelayedGateway | undefined;

  beforeAll(async () => {
    mesh = await startRelayedGateway({ runner: { server: runnerServer }, gateway: { forwarding: 'http2', runnerCalls } });
    ({ relay, client } = mesh);
  }, 60_000);

  afterAll(() => mesh?.close());

  it('answers every call, each once, on the Exchange stream where the runner serves it', async () => {
    relay.calls.length = 0;
    const results = await Promise.all(
      Array.from({ length: CALLS }, (_, i) => client.infer('simple', { INPUT0: { ...input, data: new Int32Array(16).fill(i) }, INPUT1: input }, { id: `call-${i}`, timeoutMs: 30_000 })),
    );
    results.forEach((result, i) => {
      expect(result.id).toBe(`call-${i}`);
      expect(Array.from(result.outputs.OUTPUT0!.data as Int32Array)).toEqual(new Array(16).fill(i + 2));
    });
    const exchanged = relay.calls.filter((call) => call.exchange === 'true');
    const ownStreams = relay.calls.filter((call) => call[':path'] === '/inference.GRPCInferenceService/ModelInfer' && call.exchange === undefined);
    if (runnerServer === 'grpc-js' && runnerCalls === 'exchange') {
      // Exchange was tried and refused UNIMPLEMENTED: the calls sent on it went again, each on a stream of its own, and were answered once.
      expect(exchanged.length).toBeGreaterThan(0);
      expect(ownStreams).toHaveLength(CALLS);
    } else {
      expect(exchanged).toHaveLength(onExchange);
      expect(ownStreams).toHaveLength(CALLS - onExchange);
    }
  }, 60_000);

  it('passes a runner\'s error on with its code and details, and keeps the deadline', async () => {
    const error = await client.infer('simple', { INPUT0: input }, { timeoutMs: 30_000 }).catch((e: grpc.ServiceError) => e);
    expect(error).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: expect.stringMatching(/INPUT1/) });
    const sent = relay.calls.at(-1)!;
    expect(sent.exchange).toBe(onExchange > 0 ? 'true' : undefined);
    // What is left of 30 s, in the unit each way writes it.
    const timeoutMs = Number(String(sent['grpc-timeout']).slice(0, -1)) / (String(sent['grpc-timeout']).endsWith('u') ? 1000 : 1);
    expect(timeoutMs).toBeGreaterThan(25_000);
    expect(timeoutMs).toBeLessThanOrEqual(30_000);
  }, 60_000);
});
