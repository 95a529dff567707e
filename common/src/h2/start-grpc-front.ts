/**
 * A gRPC port served by node:http2 itself: the streams its owner claims (the hot methods)
 * are answered by the owner's handler, every other stream goes as it came to a grpc-js
 * server of the same process on a loopback port, which implements the rest of the service.
 */
import * as http2 from 'node:http2';
import { DEFAULT_MAX_CONCURRENT_STREAMS, DEFAULT_STREAM_IDLE_TIMEOUT_MS } from '../config/limits-config.js';
import type { Logger } from '../log/logger.js';
import type { TlsFiles } from '../tls/TlsFiles.js';
import { relayStream, type ReadSoFar } from './relay-stream.js';
import { SESSION_MEMORY_MB, SessionPool } from './SessionPool.js';

/** What {@link startGrpcFront} needs. */
export interface GrpcFrontOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** host:port of the process's grpc-js server, which serves every stream not claimed. */
  internal: string;
  /** Streams one caller connection may have open at once (SETTINGS_MAX_CONCURRENT_STREAMS); default limits.maxConcurrentStreams'. */
  maxConcurrentStreams?: number;
  /** A stream with no frame either way for this long is reset (CANCEL); 0 never. Default limits.streamIdleTimeoutMs'. */
  streamIdleTimeoutMs?: number;
  logger: Logger;
  /** TLS of this port; plaintext without. */
  tls?: TlsFiles;
  /** The TLS `internal` serves with. */
  internalTls?: TlsFiles;
  /**
   * Claims a stream for the owner's handler, which then answers it (and may hand it on
   * with {@link GrpcFront.relay}); false sends it to `internal`.
   */
  claim(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): boolean;
}

/** A started front. */
export interface GrpcFront {
  port: number;
  address: string;
  /** Sends a stream to `internal` with what was read of it so far. */
  relay(downstream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, read?: ReadSoFar): void;
  /** Stops taking connections, lets streams finish for `graceMs`, then drops the rest. */
  close(graceMs?: number): Promise<void>;
}

export async function startGrpcFront(options: GrpcFrontOptions): Promise<GrpcFront> {
  // `internal` is this process's own loopback port: its certificate need not name 127.0.0.1.
  const internalSessions = new SessionPool(options.logger, options.internalTls, false);
  const internal = () => internalSessions.get(options.internal);
  const relay = (downstream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, read?: ReadSoFar) => relayStream(downstream, headers, internal, read);
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
  server.on('stream', (stream, headers) => {
    // Every stream's handler treats a reset as the caller's cancel, so an idle stream ends cleanly.
    if (idleMs > 0) stream.setTimeout(idleMs, () => stream.close(http2.constants.NGHTTP2_CANCEL));
    if (!options.claim(stream, headers)) relay(stream, headers);
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
    relay,
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
          resolve();
        });
        for (const session of sessions) session.close();
      });
      return closing;
    },
  };
}
