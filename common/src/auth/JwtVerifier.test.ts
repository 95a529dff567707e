/** JWTs verified against a JWKS file: key selection by kid, claims to roles and models, and each refusal named. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { authSchema } from '../config/auth-config.js';
import { ErrorCode } from '../errors/ErrorCode.js';
import { JwtVerifier } from './JwtVerifier.js';

let dir: string;
let key: CryptoKey;
let verifier: JwtVerifier;

function sign(claims: Record<string, unknown>, options: { kid?: string; audience?: string; expiresIn?: number | string } = {}): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid: options.kid ?? 'k1' })
    .setSubject('svc-a')
    .setAudience(options.audience ?? 'infermesh')
    .setExpirationTime(options.expiresIn ?? '5m')
    .sign(key);
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'infermesh-jwks-'));
  const pair = await generateKeyPair('ES256');
  key = pair.privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256' };
  await writeFile(path.join(dir, 'jwks.json'), JSON.stringify({ keys: [jwk] }));
  const config = authSchema.parse({ jwt: { jwks: path.join(dir, 'jwks.json'), audience: 'infermesh', clockToleranceSec: 0 } });
  verifier = new JwtVerifier(config.jwt!);
});

afterAll(() => rm(dir, { recursive: true, force: true }));

describe('JwtVerifier with a JWKS file', () => {
  it('reads roles and models from their claims, as lists or space-separated strings', async () => {
    const principal = await verifier.verify(await sign({ roles: 'admin service', models: ['mlp'] }));
    expect(principal.name).toBe('svc-a');
    expect([...principal.roles]).toEqual(['admin', 'service']);
    expect([...principal.models]).toEqual(['mlp']);
    expect(principal.expiresAt).toBeGreaterThan(Date.now());
    expect([...(await verifier.verify(await sign({}))).models]).toEqual(['*']);
  });

  it('refuses a key the JWKS lacks, another audience and an expired token, saying which', async () => {
    await expect(verifier.verify(await sign({}, { kid: 'other' }))).rejects.toMatchObject({ code: ErrorCode.UNAUTHENTICATED, details: 'no key of the JWKS matches the token' });
    await expect(verifier.verify(await sign({}, { audience: 'elsewhere' }))).rejects.toMatchObject({ code: ErrorCode.UNAUTHENTICATED, details: expect.stringContaining("token claim 'aud' refused") });
    await expect(verifier.verify(await sign({}, { expiresIn: Math.floor(Date.now() / 1000) - 5 }))).rejects.toMatchObject({ code: ErrorCode.UNAUTHENTICATED, details: 'token expired' });
    await expect(verifier.verify('eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.')).rejects.toMatchObject({ code: ErrorCode.UNAUTHENTICATED });
  });
});
