/**
 * What of the caller's metadata reaches a runner: the trace context, the transport's
 * headers and the names `gateway.passThroughHeaders` declares, nothing else (authorization,
 * cookies and the caller's other headers stay at the gateway). A recording HTTP/2 relay
 * between the gateway and a real runner sees what the runner is sent.
 */
import { once } from 'node:events';
import http2 from 'node:http2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InferenceClient } from '@infermesh/client';
import type { Gateway } from '@infermesh/gateway';
import type { Runner } from '@infermesh/runners';
import { exampleRepository, waitFor } from '@infermesh/testkit';
import { startGatewayInProcess, startRunnerInProcess } from '../harness/index.js';

/** Relays every stream to `target` as it came, keeping the request headers of each ModelInfer. */
async function recordingRelay(target: string) {
  let upstream: http2.ClientHttp2Session | undefined;
  /** The session to the runner, opened again once it has gone (a GOAWAY, the runner closing it). */
  const session = () => {
    if (!upstream || upstream.closed || upstream.destroyed) {
      upstream = http2.connect(`http://${target}`);
      upstream.on('error', () => undefined);
    }
    return upstream;
  };
  const seen: http2.IncomingHttpHeaders[] = [];
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    if (headers[':path'] === '/inference.GRPCInferenceService/ModelInfer') seen.push(headers);
    const out: http2.OutgoingHttpHeaders = {};
    for (const [key, value] of Object.entries(headers)) if (key !== ':authority' && key !== ':scheme') out[key] = value;
    let forwarded: http2.ClientHttp2Stream;
    try {
      forwarded = session().request(out);
    } catch {
      // The session got a GOAWAY in between: the caller sees a refused stream and may try again.
      stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
      return;
    }
    stream.pipe(forwarded);
    forwarded.on('response', (response) => {
      stream.respond(response, { waitForTrailers: true });
      forwarded.on('trailers', (trailers) => stream.once('wantTrailers', () => stream.sendTrailers(trailers)));
      forwarded.pipe(stream);
    });
    forwarded.on('error', () => stream.destroy());
    stream.on('error', () => forwarded.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    address: `127.0.0.1:${(server.address() as { port: number }).port}`,
    seen,
    close: async () => {
      upstream?.close();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const caller = {
  authorization: 'Bearer caller-token',
  cookie: 'session=1',
  'x-tenant': 't1',
  'x-pass': 'p1',
  traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
};

describe.each(['http2', 'grpc-js'] as const)('caller metadata to runners (%s forwarding)', (forwarding) => {
  let repo: Awaited<ReturnType<typeof exampleRepository>>;
  let runner: Runner;
  let relay: Awaited<ReturnType<typeof recordingRelay>>;
  let gateway: Gateway;
  let client: InferenceClient;

  beforeAll(async () => {
    repo = await exampleRepository();
    runner = await startRunnerInProcess(repo.dir);
    relay = await recordingRelay(runner.address);
    gateway = await startGatewayInProcess([relay.address], { forwarding, passThroughHeaders: ['x-pass'] });
    client = new InferenceClient(gateway.address);
    await waitFor(() => client.modelReady('simple'), 30_000, 'simple to be routable');
  }, 60_000);

  afterAll(async () => {
    client?.close();
    await gateway?.close();
    await relay?.close();
    await runner?.close();
    await repo?.remove();
  });

  it('passes the trace context, the deadline and the declared headers only', async () => {
    const input = { datatype: 'INT32' as const, shape: [1, 16], data: new Int32Array(16).fill(2) };
    const result = await client.infer('simple', { INPUT0: input, INPUT1: input }, { metadata: caller, timeoutMs: 30_000 });
    expect(Array.from(result.outputs.OUTPUT0!.data as Int32Array)).toEqual(new Array(16).fill(4));
    const headers = relay.seen.at(-1)!;
    const names = Object.keys(headers).filter((name) => !name.startsWith(':'));
    for (const name of ['authorization', 'cookie', 'x-tenant']) expect(names).not.toContain(name);
    expect(headers['x-pass']).toBe('p1');
    // The caller's trace id goes on (its span id is the gateway's when it records spans).
    expect(headers.traceparent).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-/);
    expect(headers['grpc-timeout']).toMatch(/^\d+[HMSmun]$/);
    expect(headers['content-type']).toBe('application/grpc');
    expect(names.filter((name) => !['x-pass', 'traceparent', 'tracestate', 'grpc-timeout', 'content-type', 'te', 'grpc-encoding', 'grpc-accept-encoding', 'accept-encoding', 'user-agent'].includes(name))).toEqual([]);
  }, 60_000);
});
