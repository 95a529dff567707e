/**
 * Turns an `authorization: Bearer <token>` header into a Principal: a static token looked up
 * in the token file, or a JWT verified by its signature. Verified tokens are remembered
 * (at most `cacheEntries`, for `cacheMs`, never past their expiry), so a repeat caller costs
 * one map lookup. No message or log line carries the token.
 */
import type { AuthConfig } from '../config/auth-config.js';
import { ServiceError } from '../errors/ServiceError.js';
import type { Logger } from '../log/logger.js';
import type { JwtVerifier } from './JwtVerifier.js';
import type { Principal } from './Principal.js';
import { StaticTokens } from './StaticTokens.js';
import { TokenRateLimiter } from './TokenRateLimiter.js';

/** Longest header accepted: JWTs with many claims stay well under it. */
export const MAX_AUTHORIZATION_BYTES = 8 * 1024;
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

interface Remembered {
  principal: Principal;
  until: number;
}

export class Authenticator {
  private readonly tokens: StaticTokens | undefined;
  private readonly jwt: JwtVerifier | undefined;
  private readonly cache = new Map<string, Remembered>();
  private readonly limiter: TokenRateLimiter | undefined;

  /**
   * The authenticator of `config`. JWT verification (and `jose` with it, ~10 MB of a
   * process's memory) is loaded only when `auth.jwt` is set.
   */
  static async create(config: AuthConfig, logger: Logger, now: () => number = Date.now): Promise<Authenticator> {
    const jwt = config.jwt && new (await import('./JwtVerifier.js')).JwtVerifier(config.jwt);
    return new Authenticator(config, logger, now, jwt);
  }

  /** Use {@link create} when `config.jwt` is set: the verifier must come with it. */
  constructor(
    private readonly config: AuthConfig,
    logger: Logger,
    private readonly now: () => number = Date.now,
    jwt?: JwtVerifier,
  ) {
    if (config.jwt && !jwt) throw new Error('auth.jwt needs a JwtVerifier: build the Authenticator with Authenticator.create');
    this.tokens = config.tokens === undefined ? undefined : new StaticTokens(config.tokens, config.reloadMs, logger, () => this.cache.clear());
    this.jwt = jwt;
    const rate = config.rateLimit;
    this.limiter = rate && new TokenRateLimiter(rate.callsPerSecond, rate.burst ?? Math.max(1, Math.ceil(rate.callsPerSecond)), config.cacheEntries, now);
  }

  /** Counts one call of `principal` against its rate (`rateLimit`); RESOURCE_EXHAUSTED with a retry hint when over it. */
  charge(principal: Principal): void {
    this.limiter?.charge(principal.name);
  }

  /** The principal of a header verified before and still remembered; undefined otherwise. */
  remembered(authorization: string | undefined): Principal | undefined {
    if (authorization === undefined) return undefined;
    const entry = this.cache.get(authorization);
    if (!entry) return undefined;
    if (entry.until > this.now()) return entry.principal;
    this.cache.delete(authorization);
    return undefined;
  }

  /** The principal `authorization` speaks for; UNAUTHENTICATED when it is missing, malformed, unknown or expired. */
  async authenticate(authorization: string | undefined): Promise<Principal> {
    const known = this.remembered(authorization);
    if (known) return known;
    if (authorization === undefined || authorization === '') throw ServiceError.unauthenticated('missing bearer token: send the header authorization: Bearer <token>');
    if (authorization.length > MAX_AUTHORIZATION_BYTES) throw ServiceError.unauthenticated(`authorization header over ${MAX_AUTHORIZATION_BYTES} bytes`);
    const token = BEARER.exec(authorization)?.[1];
    if (token === undefined) throw ServiceError.unauthenticated("authorization header is not 'Bearer <token>'");
    const principal = await this.verify(token);
    this.remember(authorization, principal);
    return principal;
  }

  close(): void {
    this.tokens?.close();
    this.cache.clear();
  }

  private async verify(token: string): Promise<Principal> {
    const fromFile = this.tokens?.lookup(token);
    if (fromFile) return fromFile;
    if (this.jwt && JWT_SHAPE.test(token)) return this.jwt.verify(token);
    throw ServiceError.unauthenticated('unknown token');
  }

  private remember(authorization: string, principal: Principal): void {
    if (this.config.cacheMs === 0) return;
    // Oldest first out: Map keeps insertion order.
    if (this.cache.size >= this.config.cacheEntries) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(authorization, { principal, until: Math.min(this.now() + this.config.cacheMs, principal.expiresAt) });
  }
}
