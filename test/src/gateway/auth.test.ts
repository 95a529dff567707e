/**
 * Bearer tokens on the gateway's public API, on both forwarding paths: static tokens from a
 * token file and JWTs verified with a public key; missing, unknown, expired and forged tokens
 * are UNAUTHENTICATED, a model outside the token's allow list and repository changes without
 * the admin role PERMISSION_DENIED; health checks stay open; no answer repeats a token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { exportSPKI, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { InferenceClient, type InferenceClientOptions } from '@infermesh/client';
import { authSchema, tokenDigest } from '@infermesh/common';
import type { Gateway } from '@infermesh/gateway';
import type { Runner } from '@infermesh/runners';
import { exampleRepository } from '@infermesh/testkit';
import { startGatewayInProcess, startRunnerInProcess } from '../harness/index.js';
import { startRunnerRelay, type RunnerRelay } from './runner-relay.js';

const input = { input: { datatype: 'FP32' as const, shape: [1, 64], data: new Float32Array(64).fill(0.5) } };
const ADMIN = 'admin-token-0123456789abcdef';
const MLP_ONLY = 'mlp-only-token-0123456789';
const OTHER_ONLY = 'other-only-token-012345678';

let dir: string;
let repo: Awaited<ReturnType<typeof exampleRepository>>;
let runner: Runner;
let recorder: RunnerRelay;
let signingKey: CryptoKey;
let forgingKey: CryptoKey;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'infermesh-auth-'));
  const tokens = [
    { name: 'ops', sha256: tokenDigest(ADMIN), roles: ['admin'] },
    { name: 'alice', token: MLP_ONLY, models: ['mlp'] },
    { name: 'bob', token: OTHER_ONLY, models: ['identity'] },
  ];
  await writeFile(path.join(dir, 'tokens.json'), JSON.stringify({ tokens }));
  const keys = await generateKeyPair('ES256');
  signingKey = keys.privateKey;
  forgingKey = (await generateKeyPair('ES256')).privateKey;
  await writeFile(path.join(dir, 'jwt.pem'), await exportSPKI(keys.publicKey));
  repo = await exampleRepository();
  runner = await startRunnerInProcess(repo.dir);
  recorder = await startRunnerRelay(runner.address);
}, 60_000);

afterAll(async () => {
  await recorder?.close();
  await runner?.close();
  await repo?.remove();
  await rm(dir, { recursive: true, force: true });
});

function jwt(claims: Record<string, unknown>, options: { key?: CryptoKey; expiresIn?: string | number } = {}): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256' })
    .setSubject('carol')
    .setIssuer('https://issuer.test')
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '5m')
    .sign(options.key ?? signingKey);
}

describe.each(['http2', 'grpc-js'] as const)('bearer tokens with %s forwarding', (forwarding) => {
  let gateway: Gateway;
  const clients: InferenceClient[] = [];
  const client = (options: InferenceClientOptions = {}) => {
    const made = new InferenceClient(gateway.address, options);
    clients.push(made);
    return made;
  };

  beforeAll(async () => {
    const auth = authSchema.parse({
      tokens: path.join(dir, 'tokens.json'),
      jwt: { publicKey: path.join(dir, 'jwt.pem'), issuer: 'https://issuer.test', algorithms: ['ES256'], clockToleranceSec: 0 },
    });
    // The runner is reached through the recorder, which keeps what the gateway sends it.
    gateway = await startGatewayInProcess([recorder.address], { forwarding, auth, passThroughHeaders: ['x-user'], httpPort: 0 });
  }, 60_000);

  afterAll(async () => {
    for (const made of clients) made.close();
    await gateway?.close();
  });

  it('answers a caller whose token allows the model', async () => {
    expect((await client({ token: ADMIN }).infer('mlp', input, { id: 'a1' })).id).toBe('a1');
    expect((await client({ token: MLP_ONLY }).infer('mlp', input, { id: 'a2' })).id).toBe('a2');
    expect((await client({ token: await jwt({ roles: [], models: ['mlp'] }) }).infer('mlp', input, { id: 'a3' })).id).toBe('a3');
  });

  it('never passes the token on to the runner, while the declared pass-through headers go on', async () => {
    recorder.calls.length = 0;
    await client({ token: MLP_ONLY }).infer('mlp', input, { metadata: { 'x-user': 'u1' } });
    await client({ token: MLP_ONLY }).modelMetadata('mlp');
    const inferCalls = recorder.calls.filter((headers) => String(headers[':path']).endsWith('/ModelInfer'));
    expect(inferCalls).toHaveLength(1);
    expect(inferCalls[0]!['x-user']).toBe('u1');
    expect(recorder.calls.some((headers) => String(headers[':path']).endsWith('/ModelMetadata'))).toBe(true);
    for (const headers of recorder.calls) expect(headers.authorization).toBeUndefined();
  });

  it('holds the REST API to the same tokens', async () => {
    const infer = (headers: Record<string, string>) =>
      fetch(`http://${gateway.httpAddress}/v2/models/mlp/infer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ inputs: [{ name: 'input', shape: [1, 64], datatype: 'FP32', data: new Array(64).fill(0.5) }] }),
      });
    const missing = await infer({});
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { error: string }).error).toContain('missing bearer token');
    expect((await infer({ authorization: `Bearer ${OTHER_ONLY}` })).status).toBe(403);
    const allowed = await infer({ authorization: `Bearer ${MLP_ONLY}` });
    expect(allowed.status).toBe(200);
    expect(((await allowed.json()) as { model_name: string }).model_name).toBe('mlp');
    expect((await fetch(`http://${gateway.httpAddress}/v2/health/live`)).status).toBe(200);
  });

  it('keeps health checks open', async () => {
    expect(await client().serverLive()).toBe(true);
    expect(await client().serverReady()).toBe(true);
  });

  it('refuses a call without a token, or with an unknown or malformed one, as UNAUTHENTICATED without repeating it', async () => {
    await expect(client().infer('mlp', input)).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED, details: expect.stringContaining('missing bearer token') });
    await expect(client().modelMetadata('mlp')).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    const unknown = 'no-such-token-0123456789';
    const refused = await client({ token: unknown }).infer('mlp', input).catch((error: grpc.ServiceError) => error);
    expect(refused).toMatchObject({ code: grpc.status.UNAUTHENTICATED, details: 'unknown token' });
    const malformed = await client()
      .infer('mlp', input, { metadata: { authorization: 'Basic dXNlcjpwYXNz' } })
      .catch((error: grpc.ServiceError) => error);
    expect(malformed).toMatchObject({ code: grpc.status.UNAUTHENTICATED, details: "authorization header is not 'Bearer <token>'" });
    expect(JSON.stringify(malformed)).not.toContain('dXNlcjpwYXNz');
  });

  it('refuses an expired JWT and one signed by another key as UNAUTHENTICATED', async () => {
    const expired = await jwt({ models: ['mlp'] }, { expiresIn: Math.floor(Date.now() / 1000) - 60 });
    await expect(client({ token: expired }).infer('mlp', input)).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED, details: 'token expired' });
    const forged = await jwt({ roles: ['admin'] }, { key: forgingKey });
    const refused = await client({ token: forged }).infer('mlp', input).catch((error: grpc.ServiceError) => error);
    expect(refused).toMatchObject({ code: grpc.status.UNAUTHENTICATED, details: 'token signature does not verify' });
  });

  it('refuses a model outside the token allow list as PERMISSION_DENIED, on ModelInfer, ModelStreamInfer and metadata', async () => {
    const bob = client({ token: OTHER_ONLY });
    await expect(bob.infer('mlp', input)).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED, details: "token 'bob' may not call model 'mlp'" });
    await expect(bob.modelMetadata('mlp')).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED });
    const carol = client({ token: await jwt({ models: 'identity' }) });
    await expect(carol.infer('mlp', input)).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED, details: "token 'carol' may not call model 'mlp'" });

    const stream = bob.stub.ModelStreamInfer();
    const answers: { error_message: string }[] = [];
    const ended = new Promise<grpc.StatusObject | Error>((resolve) => {
      stream.on('data', (answer: { error_message: string }) => answers.push(answer));
      stream.on('status', resolve);
      stream.on('error', resolve);
    });
    stream.write({ model_name: 'mlp', inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 64], contents: { fp32_contents: new Array(64).fill(0.5) } }] });
    stream.end();
    await ended;
    expect(answers.map((answer) => answer.error_message)).toEqual(["token 'bob' may not call model 'mlp'"]);
  });

  it('limits each token to its rate with RESOURCE_EXHAUSTED and a retry hint', async () => {
    const auth = authSchema.parse({ tokens: path.join(dir, 'tokens.json'), rateLimit: { callsPerSecond: 0.01, burst: 2 } });
    const limited = await startGatewayInProcess([recorder.address], { forwarding, auth });
    const caller = new InferenceClient(limited.address, { token: MLP_ONLY });
    const admin = new InferenceClient(limited.address, { token: ADMIN });
    try {
      await caller.infer('mlp', input);
      await caller.modelMetadata('mlp');
      await expect(caller.infer('mlp', input)).rejects.toMatchObject({
        code: grpc.status.RESOURCE_EXHAUSTED,
        details: expect.stringMatching(/^token 'alice' is over its rate of 0.01 calls\/s; retry in \d+ ms$/),
      });
      // Another token is not held back.
      expect((await admin.infer('mlp', input, { id: 'free' })).id).toBe('free');
    } finally {
      caller.close();
      admin.close();
      await limited.close();
    }
  });

  it('lets only the admin role load and unload models', async () => {
    const load = (token: string) =>
      new Promise<grpc.ServiceError | null>((resolve) =>
        client({ token }).stub.RepositoryModelLoad({ model_name: 'mlp' }, (error) => resolve(error)),
      );
    expect(await load(MLP_ONLY)).toMatchObject({ code: grpc.status.PERMISSION_DENIED, details: "RepositoryModelLoad needs the 'admin' role; token 'alice' has none" });
    // An admin gets past the check; without a registry the gateway cannot load models.
    expect((await load(ADMIN))?.code).not.toBe(grpc.status.PERMISSION_DENIED);
  });
});
