/**
 * The gateway's public port when `gateway.forwarding` is 'http2': a node:http2 server that
 * forwards ModelInfer and (uncompressed) ModelStreamInfer to the runners itself and every
 * other stream to the gateway's grpc-js server on a loopback port.
 */
import type * as http2 from 'node:http2';
import { answerStatus, reportError, startGrpcFront, type Authenticator, type GrpcFront, type GrpcFrontOptions, type Principal } from '@infermesh/common';
import { MODEL_INFER_PATH, MODEL_STREAM_INFER_PATH } from '@infermesh/proto';
import { ForwardedInfer } from './ForwardedInfer.js';
import { ForwardedStream } from './ForwardedStream.js';
import type { H2InferDeps } from './H2InferDeps.js';

/** What {@link startH2Front} needs: the front's options, and what ModelInfer needs. */
export interface H2FrontOptions extends Omit<GrpcFrontOptions, 'claim'> {
  /** ModelInfer's dependencies, less the fallback to `internal`, which this server adds. */
  infer: Omit<H2InferDeps, 'fallback'>;
  /** Bearer tokens checked on ModelInfer and ModelStreamInfer here; `internal` checks the other methods. */
  auth?: Authenticator;
}

/** A started front server. */
export type H2Front = Omit<GrpcFront, 'relay'>;

export async function startH2Front(options: H2FrontOptions): Promise<H2Front> {
  const deps: H2InferDeps = { ...options.infer, fallback: (downstream, headers, read) => front.relay(downstream, headers, read) };
  const { auth } = options;
  const refuse = (stream: http2.ServerHttp2Stream, path: string, error: unknown) => {
    const { code, details } = reportError(options.logger, path, error);
    answerStatus(stream, code, details);
  };
  const forward = (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, path: string, principal?: Principal) => {
    if (principal) {
      try {
        auth?.charge(principal);
      } catch (error) {
        refuse(stream, path, error);
        return;
      }
    }
    if (path === MODEL_INFER_PATH) new ForwardedInfer(deps, stream, headers, principal);
    else new ForwardedStream(deps, stream, headers, principal);
  };
  const claim = (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): boolean => {
    const grpc = String(headers['content-type'] ?? '').startsWith('application/grpc');
    const path = headers[':path'];
    const forwarded =
      grpc &&
      (path === MODEL_INFER_PATH ||
        // A compressed stream's messages are in its grpc-encoding, which only grpc-js reads.
        (path === MODEL_STREAM_INFER_PATH && (headers['grpc-encoding'] ?? 'identity') === 'identity'));
    if (!forwarded) return false;
    if (!auth) forward(stream, headers, path);
    else {
      // Checked before anything is read or routed; a token seen before costs one lookup.
      const authorization = headers.authorization;
      const known = auth.remembered(authorization);
      if (known) forward(stream, headers, path, known);
      else {
        // Its DATA waits in the stream, which flows once a reader listens.
        stream.on('error', () => undefined);
        auth.authenticate(authorization).then(
          (principal) => forward(stream, headers, path, principal),
          (error: unknown) => refuse(stream, path, error),
        );
      }
    }
    return true;
  };
  const front: GrpcFront = await startGrpcFront({
    host: options.host,
    port: options.port,
    internal: options.internal,
    logger: options.logger,
    claim,
    ...(options.maxConcurrentStreams === undefined ? {} : { maxConcurrentStreams: options.maxConcurrentStreams }),
    ...(options.streamIdleTimeoutMs === undefined ? {} : { streamIdleTimeoutMs: options.streamIdleTimeoutMs }),
    ...(options.tls ? { tls: options.tls } : {}),
    ...(options.internalTls ? { internalTls: options.internalTls } : {}),
  });
  return {
    port: front.port,
    address: front.address,
    async close(graceMs) {
      await front.close(graceMs);
      // Exchange streams end their side first, so that the sessions they hold can close.
      options.infer.exchanges?.close();
      options.infer.sessions.close();
    },
  };
}
