/** Verifies JSON Web Tokens against a configured JWKS (file or URL) or public key, with `jose`. */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { JwtConfig } from '../config/auth-config.js';
import { ConfigError } from '../config/ConfigError.js';
import { ServiceError } from '../errors/ServiceError.js';
import { ANY_MODEL, type Principal } from './Principal.js';

function keyOf(config: JwtConfig): KeyObject | JWTVerifyGetKey {
  try {
    if (config.publicKey !== undefined) return createPublicKey(readFileSync(config.publicKey));
    const jwks = config.jwks!;
    if (/^https?:\/\//.test(jwks)) return createRemoteJWKSet(new URL(jwks));
    return createLocalJWKSet(JSON.parse(readFileSync(jwks, 'utf8')) as Parameters<typeof createLocalJWKSet>[0]);
  } catch (error) {
    throw new ConfigError(`auth.jwt: cannot use ${config.publicKey ?? config.jwks}: ${(error as Error).message}`);
  }
}

function strings(value: unknown): string[] | undefined {
  if (typeof value === 'string') return value.split(' ').filter(Boolean);
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value as string[];
  return undefined;
}

/** Why a token was refused, in words that never repeat the token. */
function reasonOf(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'token expired';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'token signature does not verify';
  if (error instanceof errors.JWTClaimValidationFailed) return `token claim '${error.claim}' refused: ${error.reason}`;
  if (error instanceof errors.JOSEAlgNotAllowed) return 'token signed with an algorithm not allowed';
  if (error instanceof errors.JWKSNoMatchingKey) return 'no key of the JWKS matches the token';
  if (error instanceof errors.JOSEError) return `token not valid (${error.code})`;
  return 'token not valid';
}

export class JwtVerifier {
  private readonly key: KeyObject | JWTVerifyGetKey;

  constructor(private readonly config: JwtConfig) {
    this.key = keyOf(config);
  }

  /** The principal of a verified token; UNAUTHENTICATED saying why otherwise. */
  async verify(token: string): Promise<Principal> {
    const options = {
      algorithms: this.config.algorithms,
      clockTolerance: this.config.clockToleranceSec,
      ...(this.config.issuer === undefined ? {} : { issuer: this.config.issuer }),
      ...(this.config.audience === undefined ? {} : { audience: this.config.audience }),
    };
    let payload: JWTPayload;
    try {
      // jwtVerify is overloaded on the key's kind; both kinds take the same options.
      payload = typeof this.key === 'function' ? (await jwtVerify(token, this.key, options)).payload : (await jwtVerify(token, this.key, options)).payload;
    } catch (error) {
      if (error instanceof ServiceError) throw error;
      const unreachable = error instanceof errors.JWKSTimeout || (error instanceof Error && !(error instanceof errors.JOSEError));
      if (unreachable) throw ServiceError.unavailable('the JWKS to verify tokens with cannot be read now', { cause: error });
      throw ServiceError.unauthenticated(reasonOf(error), { cause: error });
    }
    const models = strings(payload[this.config.modelsClaim]);
    return {
      name: typeof payload.sub === 'string' ? payload.sub.slice(0, 128) : 'jwt',
      roles: new Set(strings(payload[this.config.rolesClaim]) ?? []),
      models: new Set(models ?? [ANY_MODEL]),
      expiresAt: typeof payload.exp === 'number' ? payload.exp * 1000 : Infinity,
    };
  }
}
