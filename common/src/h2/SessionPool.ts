/**
 * One HTTP/2 client session per address, opened on first use and again after it closes or
 * gets GOAWAY, and closed when its peer stops answering keepalive PINGs.
 */
import * as http2 from 'node:http2';
import type { ConnectionOptions } from 'node:tls';
import { ServiceError } from '../errors/ServiceError.js';
import type { Logger } from '../log/logger.js';
import type { TlsFiles } from '../tls/TlsFiles.js';

/** Enough for a few concurrent max-size messages per session (nghttp2's default is 10 MB). */
export const SESSION_MEMORY_MB = 256;
/** How often a session is PINGed, and how long its answer may take before the session is closed. */
export interface Keepalive {
  intervalMs: number;
  timeoutMs: number;
}

/** As the grpc-js channels of the mesh have it: a ping every 30 s, 10 s for its answer. */
export const KEEPALIVE_DEFAULTS: Keepalive = { intervalMs: 30_000, timeoutMs: 10_000 };

/** A PING every `ms`, each answered within `ms` (`gateway.runnerKeepaliveMs`). */
export const keepaliveOf = (ms: number): Keepalive => ({ intervalMs: ms, timeoutMs: ms });

export class SessionPool {
  private readonly sessions = new Map<string, http2.ClientHttp2Session>();
  private closed = false;

  /**
   * With `tls`, sessions are TLS with the mesh's certificate (read at each connect, so a reload
   * applies to the next session); `verifyName: false` trusts any name on a certificate the CA
   * signed, for the gateway's own loopback hop. A session whose PING goes unanswered for
   * `keepalive.timeoutMs` is destroyed: its streams end without trailers, so their calls can
   * go to another runner.
   */
  constructor(
    private readonly logger: Logger,
    private readonly tls?: TlsFiles,
    private readonly verifyName = true,
    private readonly keepalive: Keepalive = KEEPALIVE_DEFAULTS,
  ) {}

  /** The open session to `address` (host:port). */
  get(address: string): http2.ClientHttp2Session {
    const existing = this.sessions.get(address);
    if (existing && !existing.closed && !existing.destroyed) return existing;
    if (this.closed) throw ServiceError.unavailable('the gateway is shutting down');
    const session = this.tls
      ? http2.connect(`https://${address}`, { maxSessionMemory: SESSION_MEMORY_MB, ...this.secureOptions(this.tls) })
      : http2.connect(`http://${address}`, { maxSessionMemory: SESSION_MEMORY_MB });
    // A peer that stopped answering (a stopped process, a host gone without a FIN) is found by the ping, not by a call.
    const keepalive = setInterval(() => {
      if (session.closed || session.destroyed) return;
      const timeout = setTimeout(() => {
        this.logger.warn({ address, timeoutMs: this.keepalive.timeoutMs }, 'runner session did not answer a keepalive ping; closing it');
        session.destroy();
      }, this.keepalive.timeoutMs);
      timeout.unref();
      const sent = session.ping((error) => {
        clearTimeout(timeout);
        if (error) session.destroy();
      });
      if (!sent) clearTimeout(timeout);
    }, this.keepalive.intervalMs);
    keepalive.unref();
    const forget = () => {
      clearInterval(keepalive);
      if (this.sessions.get(address) === session) this.sessions.delete(address);
    };
    // A session that goes away takes no new streams; the streams it has run to their end.
    session.on('goaway', forget);
    session.on('close', forget);
    session.on('error', (error) => {
      forget();
      this.logger.debug({ err: error, address }, 'runner session failed');
    });
    session.unref();
    this.sessions.set(address, session);
    return session;
  }

  private secureOptions(tls: TlsFiles): ConnectionOptions {
    return this.verifyName ? tls.clientOptions() : { ...tls.clientOptions(), checkServerIdentity: () => undefined };
  }

  /** Closes every session; their streams run to their end. */
  close(): void {
    this.closed = true;
    for (const session of this.sessions.values()) session.close();
    this.sessions.clear();
  }
}
