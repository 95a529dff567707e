/**
 * A runner that dies in the middle of its answer costs no call: a relay in front of one of
 * two real runners passes every call on, then resets its connection (as a killed process's
 * kernel does) at a chosen point of a ModelInfer answer — after the response headers, or
 * after the response message but before the trailers. The gateway has shown the caller
 * nothing of that answer yet, and sends the call to the other runner (on both forwarding
 * designs).
 */
import { once } from 'node:events';
import http2 from 'node:http2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InferenceClient } from '@infermesh/client';
import { startRelayedRunners, type RelayedRunners } from '../harness/index.js';

type BreakPoint = 'after-headers' | 'after-message';

const MODEL_INFER = '/inference.GRPCInferenceService/ModelInfer';

/** Relays every stream to `target`; the ModelInfer answers are broken off at `breakAt` with a connection reset. */
async function breakingRelay(target: string, breakAt: BreakPoint) {
  let upstream: http2.ClientHttp2Session | undefined;
  const session = () => {
    if (!upstream || upstream.closed || upstream.destroyed) {
      upstream = http2.connect(`http://${target}`);
      upstream.on('error', () => undefined);
    }
    return upstream;
  };
  let broken = 0;
  const server = http2.createServer();
  server.on('session', (s) => s.on('error', () => undefined));
  server.on('stream', (stream, headers) => {
    const breaks = headers[':path'] === MODEL_INFER;
    const out: http2.OutgoingHttpHeaders = {};
    for (const [key, value] of Object.entries(headers)) if (key !== ':authority' && key !== ':scheme') out[key] = value;
    let forwarded: http2.ClientHttp2Stream;
    try {
      forwarded = session().request(out);
    } catch {
      stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
      return;
    }
    const reset = () => {
      broken++;
      // What the kernel does for a process killed with its connection open.
      stream.session?.socket.resetAndDestroy();
    };
    stream.pipe(forwarded);
    forwarded.on('response', (response, flags) => {
      // An earlier break took this stream's connection with it.
      if (stream.destroyed || stream.closed) return;
      if (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) {
        stream.respond(response, { endStream: true });
        return;
      }
      stream.respond(response, { waitForTrailers: true });
      if (breaks && breakAt === 'after-headers') {
        // Let the headers leave before the connection goes.
        setImmediate(reset);
        return;
      }
      forwarded.on('trailers', (trailers) => {
        if (breaks) setImmediate(reset);
        else stream.once('wantTrailers', () => stream.sendTrailers(trailers));
      });
      forwarded.on('data', (chunk: Buffer) => stream.destroyed || stream.write(chunk));
      forwarded.on('end', () => breaks || stream.destroyed || stream.end());
    });
    forwarded.on('error', () => stream.destroy());
    stream.on('error', () => forwarded.destroy());
    stream.on('close', () => forwarded.closed || forwarded.close(http2.constants.NGHTTP2_CANCEL));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    address: `127.0.0.1:${(server.address() as { port: number }).port}`,
    get broken() {
      return broken;
    },
    close: async () => {
      upstream?.close();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const CALLS = 40;
const input = { datatype: 'INT32' as const, shape: [1, 16], data: new Int32Array(16).fill(3) };

const CASES = (['http2', 'grpc-js'] as const).flatMap((forwarding) => (['after-headers', 'after-message'] as const).map((breakAt) => ({ forwarding, breakAt })));

describe.each(CASES)('a runner that breaks off its answer $breakAt ($forwarding forwarding)', ({ forwarding, breakAt }) => {
  let mesh: RelayedRunners<Awaited<ReturnType<typeof breakingRelay>>>;

  beforeAll(async () => {
    mesh = await startRelayedRunners((target) => breakingRelay(target, breakAt), { forwarding });
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
