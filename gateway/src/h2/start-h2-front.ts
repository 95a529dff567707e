/**
 * The gateway's public port when `gateway.forwarding` is 'http2': a node:http2 server that
 * forwards ModelInfer and (uncompressed) ModelStreamInfer to the runners itself and every
 * other stream to the gateway's grpc-js server on a loopback port.
 */
import * as http2 from 'node:http2';
import { DEFAULT_MAX_CONCURRENT_STREAMS, DEFAULT_STREAM_IDLE_TIMEOUT_MS, reportError, type Authenticator, type Logger, type Principal, type TlsFiles } from '@infermesh/common';
import { MODEL_INFER_PATH, MODEL_STREAM_INFER_PATH } from '@infermesh/proto';
import { ForwardedInfer } from './ForwardedInfer.js';
import { ForwardedStream } from './ForwardedStream.js';
import type { H2InferDeps } from './H2InferDeps.js';
import { answerStatus } from './relay-response.js';
import { relayStream } from './relay-stream.js';
import { SESSION_MEMORY_MB, SessionPool } from './SessionPool.js';

/** What {@link startH2Front} needs. */
export interface H2FrontOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** host:port of the gateway's grpc-js server, which serves every other method. */
  internal: string;
  /** Streams one caller connection may have open at once (SETTINGS_MAX_CONCURRENT_STREAMS); default limits.maxConcurrentStreams'. */
  maxConcurrentStreams?: number;
  /** A stream with no frame either way for this long is reset (CANCEL); 0 never. Default limits.streamIdleTimeoutMs'. */
  streamIdleTimeoutMs?: number;
  logger: Logger;
  /** ModelInfer's dependencies, less the fallback to `internal`, which this server adds. */
  infer: Omit<H2InferDeps, 'fallback'>;
  /** TLS of this (public) port; plaintext without. */
  tls?: TlsFiles;
  /** The mesh's TLS, which `internal` serves with. */
  internalTls?: TlsFiles;
  /** Bearer tokens checked on ModelInfer and ModelStreamInfer here; `internal` checks the other methods. */
  auth?: Authenticator;
}

/** A started front server. */
export interface H2Front {
  port: number;
  address: string;
  /** Stops taking connections, lets streams finish for `graceMs`, then drops the rest. */
  close(graceMs?: number): Promise<void>;
}

export async function startH2Front(options: H2FrontOptions): Promise<H2Front> {
  // `internal` is this process's own loopback port: its certificate need not name 127.0.0.1.
  const internalSessions = new SessionPool(options.logger, options.internalTls, false);
  const internal = () => internalSessions.get(options.internal);
  const deps: H2InferDeps = { ...options.infer, fallback: (downstream, headers, read) => relayStream(downstream, headers, internal, read) };
  const { tls } = options;
  const sessionOptions = { maxSessionMemory: SESSION_MEMORY_MB, settings: { maxConcurrentStreams: options.maxConcurrentStreams ?? DEFAULT_MAX_CONCURRENT_STREAMS } };
  const server = tls ? http2.createSecureServer({ ...tls.serverOptions(), ...sessionOptions }) : http2.createServer(sessionOptions);
  const unwatch = tls?.onChange((material) => (server as http2.Http2SecureServer).setSecureContext(material));
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
    session.on('error', (error) => options.logger.debug({ err: error }, 'caller session failed'));
  });
  const idleMs = options.streamIdleTimeoutMs ?? DEFAULT_STREAM_IDLE_TIMEOUT_MS;
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
  server.on('stream', (stream, headers) => {
    // Every stream's handler treats a reset as the caller's cancel, so an idle stream ends cleanly.
    if (idleMs > 0) stream.setTimeout(idleMs, () => stream.close(http2.constants.NGHTTP2_CANCEL));
    const grpc = String(headers['content-type'] ?? '').startsWith('application/grpc');
    const path = headers[':path'];
    const forwarded =
      grpc &&
      (path === MODEL_INFER_PATH ||
        // A compressed stream's messages are in its grpc-encoding, which only grpc-js reads.
        (path === MODEL_STREAM_INFER_PATH && (headers['grpc-encoding'] ?? 'identity') === 'identity'));
    if (!forwarded) relayStream(stream, headers, internal);
    else if (!auth) forward(stream, headers, path);
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
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as { port: number }).port;
  let closing: Promise<void> | undefined;
  return {
    port,
    address: `${options.host}:${port}`,
    close(graceMs = 5_000) {
      closing ??= new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          for (const session of sessions) session.destroy();
        }, graceMs);
        timer.unref();
        unwatch?.();
        server.close(() => {
          clearTimeout(timer);
          internalSessions.close();
          options.infer.sessions.close();
          resolve();
        });
        for (const session of sessions) session.close();
      });
      return closing;
    },
  };
}
