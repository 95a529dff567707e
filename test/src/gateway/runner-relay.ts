/**
 * A plain node:http2 hop in front of a real runner, for tests of what the gateway sends a
 * runner and of runners that fail: it passes every stream on (opening its session to the
 * runner again after a GOAWAY), keeps the request headers of each call, and can break off
 * each ModelInfer answer with a connection reset, as the kernel does for a killed process —
 * after the response headers, or after the response message but before the trailers. Calls
 * on an Exchange stream (many ModelInfer calls on one stream) count as calls of their own:
 * what the runner is sent for each is the stream's headers with the call's metadata and
 * deadline; such a stream is broken off after its response headers, or after its first
 * answer.
 */
import { once } from 'node:events';
import http2 from 'node:http2';
import { GrpcMessageSplitter, readExchangeRequest } from '@infermesh/common';
import { MODEL_INFER_PATH as MODEL_INFER, RUNNER_EXCHANGE_PATH } from '@infermesh/proto';

/** Where a ModelInfer answer is broken off. */
export type BreakPoint = 'after-headers' | 'after-message';

export interface RunnerRelay {
  address: string;
  /**
   * Request headers of each call, in arrival order; for a ModelInfer call on an Exchange
   * stream, the stream's headers with `:path` ModelInfer's, the call's metadata and its
   * deadline as `grpc-timeout` (in µs), and `exchange: 'true'`.
   */
  calls: http2.IncomingHttpHeaders[];
  /** ModelInfer answers broken off so far. */
  readonly broken: number;
  close(): Promise<void>;
}

export async function startRunnerRelay(target: string, options: { breakAt?: BreakPoint } = {}): Promise<RunnerRelay> {
  const { breakAt } = options;
  let upstream: http2.ClientHttp2Session | undefined;
  const session = () => {
    if (!upstream || upstream.closed || upstream.destroyed) {
      upstream = http2.connect(`http://${target}`);
      upstream.on('error', () => undefined);
    }
    return upstream;
  };
  const calls: http2.IncomingHttpHeaders[] = [];
  let broken = 0;
  const server = http2.createServer();
  server.on('session', (s) => s.on('error', () => undefined));
  server.on('stream', (stream, headers) => {
    const exchange = headers[':path'] === RUNNER_EXCHANGE_PATH;
    if (exchange) recordExchangeCalls(stream, headers, calls);
    else calls.push(headers);
    const breaks = breakAt !== undefined && (headers[':path'] === MODEL_INFER || exchange);
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
    const reset = () => {
      broken++;
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
      forwarded.on('data', (chunk: Buffer) => {
        if (stream.destroyed) return;
        stream.write(chunk);
        // An Exchange stream has no trailers until it ends: it is broken off after its first answer.
        if (breaks && exchange) setImmediate(reset);
      });
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
    calls,
    get broken() {
      return broken;
    },
    close: async () => {
      upstream?.close();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Records each ModelInfer call an Exchange stream carries as the runner gets it. */
function recordExchangeCalls(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, calls: http2.IncomingHttpHeaders[]): void {
  const splitter = new GrpcMessageSplitter(1 << 30, (message) => {
    const call = readExchangeRequest(message);
    if (call.cancel) return;
    calls.push({
      ...headers,
      ...call.headers,
      ':path': MODEL_INFER,
      exchange: 'true',
      ...(call.timeoutUs > 0 ? { 'grpc-timeout': `${call.timeoutUs}u` } : {}),
    });
  });
  stream.on('data', (chunk: Buffer) => splitter.push(chunk));
}
