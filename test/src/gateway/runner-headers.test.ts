/**
 * What of the caller's metadata reaches a runner: the trace context, the transport's
 * headers and the names `gateway.passThroughHeaders` declares, nothing else (authorization,
 * cookies and the caller's other headers stay at the gateway). A recording HTTP/2 relay
 * between the gateway and a real runner sees what the runner is sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InferenceClient } from '@infermesh/client';
import { startRelayedGateway, type RelayedGateway } from './relayed-gateway.js';
import type { RunnerRelay } from './runner-relay.js';

const caller = {
  authorization: 'Bearer caller-token',
  cookie: 'session=1',
  'x-tenant': 't1',
  'x-pass': 'p1',
  traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
};

describe.each(['http2', 'grpc-js'] as const)('caller metadata to runners (%s forwarding)', (forwarding) => {
  let relay: RunnerRelay;
  let client: InferenceClient;
  let mesh: RelayedGateway | undefined;

  beforeAll(async () => {
    mesh = await startRelayedGateway({ gateway: { forwarding, passThroughHeaders: ['x-pass'] } });
    ({ relay, client } = mesh);
  }, 60_000);

  afterAll(() => mesh?.close());

  it('passes the trace context, the deadline and the declared headers only', async () => {
    const input = { datatype: 'INT32' as const, shape: [1, 16], data: new Int32Array(16).fill(2) };
    const result = await client.infer('simple', { INPUT0: input, INPUT1: input }, { metadata: caller, timeoutMs: 30_000 });
    expect(Array.from(result.outputs.OUTPUT0!.data as Int32Array)).toEqual(new Array(16).fill(4));
    const headers = relay.calls.filter((call) => call[':path'] === '/inference.GRPCInferenceService/ModelInfer').at(-1)!;
    const names = Object.keys(headers).filter((name) => !name.startsWith(':'));
    for (const name of ['authorization', 'cookie', 'x-tenant']) expect(names).not.toContain(name);
    expect(headers['x-pass']).toBe('p1');
    // The caller's trace id goes on (its span id is the gateway's when it records spans).
    expect(headers.traceparent).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-/);
    expect(headers['grpc-timeout']).toMatch(/^\d+[HMSmun]$/);
    expect(headers['content-type']).toBe('application/grpc');
    // The http2 forwarding sends its calls on an Exchange stream (gateway.runnerCalls), the grpc-js forwarding a stream each.
    expect(headers.exchange).toBe(forwarding === 'http2' ? 'true' : undefined);
    expect(names.filter((name) => !['x-pass', 'traceparent', 'tracestate', 'grpc-timeout', 'content-type', 'te', 'grpc-encoding', 'grpc-accept-encoding', 'accept-encoding', 'user-agent', 'exchange'].includes(name))).toEqual([]);
  }, 60_000);
});
