/** One HTTP/2 client session per address, opened on first use and again after it closes or gets GOAWAY. */
import * as http2 from 'node:http2';
import type { ConnectionOptions } from 'node:tls';
import { ServiceError } from '../errors/ServiceError.js';
import type { Logger } from '../log/logger.js';
import type { TlsFiles } from '../tls/TlsFiles.js';

/** Enough for a few concurrent max-size messages per session (nghttp2's default is 10 MB). */
export const SESSION_MEMORY_MB = 256;
/** Keepalive as the grpc-js channels to runners have it: a ping every 30 s, 10 s for its answer. */
const KEEPALIVE_MS = 30_000;
const KEEPALIVE_TIMEOUT_MS = 10_000;

export class SessionPool {
  private readonly sessions = new Map<string, http2.ClientHttp2Session>();
  private closed = false;

  /**
   * With `tls`, sessions are TLS with the mesh's certificate (read at each connect, so a reload
   * applies to the next session); `verifyName: false` trusts any name on a certificate the CA
   * signed, for the gateway's own loopback hop.
   */
  constructor(
    private readonly logger: Logger,
    private readonly tls?: TlsFiles,
    private readonly verifyName = true,
  ) {}

  /** The open session to `address` (host:port). */
  get(address: string): http2.ClientHttp2Session {
    const existing = this.sessions.get(address);
    if (existing && !existing.closed && !existing.destroyed) return existing;
    if (this.closed) throw ServiceError.unavailable('the gateway is shutting down');
    const session = this.tls
      ? http2.connect(`https://${address}`, { maxSessionMemory: SESSION_MEMORY_MB, ...this.secureOptions(this.tls) })
      : http2.connect(`http://${address}`, { maxSessionMemory: SESSION_MEMORY_MB });
    // A peer that stopped answering (a host gone without a FIN) is found by the ping, not by a call.
    const keepalive = setInterval(() => {
      if (session.closed || session.destroyed) return;
      const timeout = setTimeout(() => session.destroy(), KEEPALIVE_TIMEOUT_MS);
      timeout.unref();
      const sent = session.ping((error) => {
        clearTimeout(timeout);
        if (error) session.destroy();
      });
      if (!sent) clearTimeout(timeout);
    }, KEEPALIVE_MS);
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
