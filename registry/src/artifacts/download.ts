/**
 * Artifact downloads within `registry.artifacts`: the URL and every redirect must start
 * with an allowed prefix and use https (unless allowHttp), redirects are followed by hand,
 * and each connection's addresses go through the {@link NetworkGuard}. Errors name the
 * rule that refused, never what the remote server sent.
 */
import type { IncomingMessage } from 'node:http';
import { STATUS_CODES, get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { isIP } from 'node:net';
import { ServiceError, type ArtifactSourcesConfig } from '@infermesh/common';
import { NetworkGuard, RefusedAddressError } from './network-guard.js';

const KEY = 'registry.artifacts';
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** A response whose body is the artifact, with the size it declares (NaN when none). */
export interface Download {
  body: IncomingMessage;
  declaredBytes: number;
}

export class ArtifactDownloader {
  private readonly prefixes: readonly string[];
  private readonly guard: NetworkGuard;

  constructor(private readonly config: Pick<ArtifactSourcesConfig, 'allowedUrlPrefixes' | 'allowHttp' | 'allowedNetworks' | 'maxRedirects'>) {
    // Normalized as URLs are, so `https://host` is `https://host/` and never matches `https://host.evil/`.
    this.prefixes = config.allowedUrlPrefixes.map((prefix) => new URL(prefix).href);
    this.guard = new NetworkGuard(config.allowedNetworks);
  }

  /** GETs `url`, following redirects the rules allow, until `signal` aborts. */
  async get(url: string, signal: AbortSignal): Promise<Download> {
    let current = this.check(url, url);
    for (let redirects = 0; ; redirects++) {
      const response = await this.request(current, url, signal);
      const location = response.headers.location;
      if (!REDIRECTS.has(response.statusCode ?? 0) || location === undefined) {
        if ((response.statusCode ?? 0) < 200 || (response.statusCode ?? 0) > 299) {
          response.destroy();
          // The standard reason phrase, not the server's: nothing the remote sends reaches the caller.
          throw ServiceError.invalidArgument(`artifact: GET ${url} answered ${response.statusCode} ${STATUS_CODES[response.statusCode ?? 0] ?? ''}`.trimEnd());
        }
        return { body: response, declaredBytes: Number(response.headers['content-length'] ?? NaN) };
      }
      response.destroy();
      if (redirects >= this.config.maxRedirects) {
        throw ServiceError.permissionDenied(`artifact: ${url} redirects more than ${KEY}.maxRedirects (${this.config.maxRedirects}) times`);
      }
      let next: URL;
      try {
        next = new URL(location, current);
      } catch {
        throw ServiceError.invalidArgument(`artifact: ${url} redirects to an address that is not a URL`);
      }
      current = this.check(next.href, url, ' (redirected)');
    }
  }

  /** The URL if its prefix and scheme are allowed; `original` is what the caller sent. */
  private check(href: string, original: string, how = ''): URL {
    let url: URL;
    try {
      url = new URL(href);
    } catch {
      throw ServiceError.invalidArgument(`artifact: '${original}' is not a URL`);
    }
    if (!this.prefixes.some((prefix) => url.href.startsWith(prefix))) {
      throw ServiceError.permissionDenied(
        this.prefixes.length === 0
          ? `artifact: this registry downloads no URLs (${KEY}.allowedUrlPrefixes is empty); upload the file instead (PushVersion, infermesh models push)`
          : `artifact: ${original}${how} leads outside the URL prefixes ${KEY}.allowedUrlPrefixes allows`,
      );
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && this.config.allowHttp)) {
      throw ServiceError.permissionDenied(`artifact: ${original}${how} is not https; plain http needs ${KEY}.allowHttp`);
    }
    // An address in the URL is never looked up, so it is checked here; names are checked as they resolve.
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    if (isIP(host) !== 0) this.refuseAddress(host, original, how);
    return url;
  }

  private refuseAddress(address: string, original: string, how: string): void {
    const kind = this.guard.refusal(address);
    if (kind) throw refused(kind, original, how);
  }

  private request(url: URL, original: string, signal: AbortSignal): Promise<IncomingMessage> {
    const get = url.protocol === 'https:' ? httpsGet : httpGet;
    return new Promise((resolve, reject) => {
      const request = get(url, { signal, agent: false, lookup: this.guard.lookup, headers: { accept: 'application/octet-stream, */*' } }, resolve);
      request.on('error', (error: NodeJS.ErrnoException) => {
        if (error instanceof RefusedAddressError) return reject(refused(error.kind, original, url.href === original ? '' : ' (redirected)'));
        if (signal.aborted) return reject(ServiceError.deadlineExceeded(`artifact: downloading ${original} took longer than registry.downloadTimeoutMs`));
        reject(ServiceError.unavailable(`artifact: could not download ${original}: ${error.code ?? 'the connection failed'}`));
      });
    });
  }
}

function refused(kind: string, original: string, how: string): ServiceError {
  return ServiceError.permissionDenied(`artifact: ${original}${how} reaches a ${kind} address, which ${KEY}.allowedNetworks does not allow`);
}
