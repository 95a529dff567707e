/**
 * The security attacks, against the mesh with TLS, tokens and artifact rules on
 * (secure-mesh.ts): callers without TLS or without a mesh certificate, missing, expired,
 * forged and unknown tokens, a model outside the token's list, a registry write without the
 * admin role, artifact paths outside registry.artifacts.allowedDirs, and artifact URLs that
 * reach (or redirect to) loopback, private and cloud metadata addresses. Each must be refused
 * with its code, and the refused downloads must never reach their server.
 */
import { symlink } from 'node:fs/promises';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { SignJWT, type CryptoKey } from 'jose';
import { InferenceClient, RegistryClient } from '@infermesh/client';
import { createTestCa } from '@infermesh/testkit';
import { outcomeOf, tally, type Attack, type AttackOutcome } from './attack.js';
import { CALLER_TOKEN, JWT_ISSUER, type SecureMesh } from './secure-mesh.js';

/** One call of an attack with the code it must get and, optionally, words its details must hold. */
interface Case {
  call: () => Promise<unknown>;
  code: string;
  details?: string;
}

/** Runs the cases `times` times each; every answer must have its case's code (and words). */
async function expectCases(cases: Case[], times = 1): Promise<AttackOutcome> {
  const codes: Record<string, number> = {};
  const failures: string[] = [];
  let note: string | undefined;
  for (const { call, code, details } of cases) {
    for (let i = 0; i < times; i++) {
      const [name, got] = await outcomeOf(call());
      tally(codes, name);
      note ??= got;
      if (name !== code || (details && !got.includes(details))) failures.push(`answered ${name} '${got}', expected ${code}${details ? ` naming '${details}'` : ''}`);
    }
  }
  return { count: cases.length * times, codes, failures: [...new Set(failures)], note };
}

const simpleInputs = {
  INPUT0: { datatype: 'INT32' as const, shape: [1, 16], data: new Int32Array(16).fill(2) },
  INPUT1: { datatype: 'INT32' as const, shape: [1, 16], data: new Int32Array(16).fill(3) },
};

/** A call to `simple` through the TLS gateway with `token` (none when undefined), on a new connection. */
async function inferWith(mesh: SecureMesh, token: string | undefined, model = 'simple'): Promise<unknown> {
  const client = new InferenceClient(mesh.gateway, { credentials: mesh.publicCredentials(), ...(token === undefined ? {} : { token }) });
  try {
    return await client.infer(model, simpleInputs, { timeoutMs: 30_000 });
  } finally {
    client.close();
  }
}

/** ServerLive on `address` with `credentials`, on a new connection. */
async function liveWith(address: string, credentials: grpc.ChannelCredentials): Promise<unknown> {
  const client = new InferenceClient(address, { credentials });
  try {
    return await client.serverLive();
  } finally {
    client.close();
  }
}

function jwt(key: CryptoKey, expiresAt: number): Promise<string> {
  return new SignJWT({ models: ['simple'] }).setProtectedHeader({ alg: 'ES256' }).setSubject('mallory').setIssuer(JWT_ISSUER).setIssuedAt().setExpirationTime(expiresAt).sign(key);
}

const inAMinute = () => Math.floor(Date.now() / 1000) + 60;
const aMinuteAgo = () => Math.floor(Date.now() / 1000) - 60;

/** RegisterVersion of `artifact` as a new version of `simple`, as the admin. */
let nextVersion = 100;
const register = (mesh: SecureMesh, artifact: string) => () => mesh.admin.registerVersion({ model: 'simple', version: nextVersion++, artifact, actor: 'attacks' });

export const securityAttacks: Attack<SecureMesh>[] = [
  {
    name: 'plaintext client vs TLS listener',
    sent: 'plaintext gRPC to the gateway, registry, runner and sink; 3 each',
    run: (mesh) =>
      expectCases(
        [mesh.gateway, mesh.registry, mesh.runner, mesh.sink].map((address) => ({ call: () => liveWith(address, grpc.credentials.createInsecure()), code: 'UNAVAILABLE' })),
        3,
      ),
  },
  {
    name: 'no client certificate vs mutual TLS',
    sent: 'TLS without a certificate to the registry, runner and sink; 3 each',
    run: (mesh) => expectCases([mesh.registry, mesh.runner, mesh.sink].map((address) => ({ call: () => liveWith(address, mesh.publicCredentials()), code: 'UNAVAILABLE' })), 3),
  },
  {
    name: 'certificate of another CA vs mutual TLS',
    sent: 'TLS with a certificate signed by a CA the mesh does not trust, to the registry, runner and sink; 3 each',
    async run(mesh) {
      const rogue = await createTestCa('rogue ca');
      try {
        const cert = rogue.issue('rogue');
        const credentials = () => grpc.credentials.createSsl(mesh.ca.read(mesh.ca.ca), rogue.read(cert.key), rogue.read(cert.cert));
        return await expectCases([mesh.registry, mesh.runner, mesh.sink].map((address) => ({ call: () => liveWith(address, credentials()), code: 'UNAVAILABLE' })), 3);
      } finally {
        await rogue.remove();
      }
    },
  },
  {
    name: 'missing token',
    sent: 'ModelInfer simple without authorization; 10',
    run: (mesh) => expectCases([{ call: () => inferWith(mesh, undefined), code: 'UNAUTHENTICATED', details: 'missing bearer token' }], 10),
  },
  {
    name: 'expired token',
    sent: 'ModelInfer simple with a JWT signed by the configured key, expired a minute ago; 10',
    run: (mesh) => expectCases([{ call: async () => inferWith(mesh, await jwt(mesh.signingKey, aMinuteAgo())), code: 'UNAUTHENTICATED', details: 'expired' }], 10),
  },
  {
    name: 'forged token',
    sent: 'ModelInfer simple with a JWT signed by another key; a static token nobody was given; 10 each',
    run: (mesh) =>
      expectCases(
        [
          { call: async () => inferWith(mesh, await jwt(mesh.forgingKey, inAMinute())), code: 'UNAUTHENTICATED', details: 'does not verify' },
          { call: () => inferWith(mesh, 'attacks-guessed-token-0123456789'), code: 'UNAUTHENTICATED', details: 'unknown token' },
        ],
        10,
      ),
  },
  {
    name: 'model outside the allow list',
    sent: "ModelInfer mlp and strings with a token whose models are [simple]; 5 each",
    run: (mesh) =>
      expectCases(
        ['mlp', 'strings'].map((model) => ({ call: () => inferWith(mesh, CALLER_TOKEN, model), code: 'PERMISSION_DENIED', details: `may not call model '${model}'` })),
        5,
      ),
  },
  {
    name: 'registry write without admin role',
    sent: 'Promote and RegisterVersion with the caller token over mutual TLS; 5 each',
    async run(mesh) {
      const notAdmin = new RegistryClient(mesh.registry, { credentials: mesh.meshCredentials(), token: CALLER_TOKEN });
      try {
        return await expectCases(
          [
            { call: () => notAdmin.promote('simple'), code: 'PERMISSION_DENIED', details: "needs the 'admin' role" },
            { call: () => notAdmin.registerVersion({ model: 'simple', version: 99, artifact: '/etc/passwd', actor: 'x' }), code: 'PERMISSION_DENIED', details: "needs the 'admin' role" },
          ],
          5,
        );
      } finally {
        notAdmin.close();
      }
    },
  },
  {
    name: 'artifact path outside allowed dirs',
    sent: "RegisterVersion (admin) of /etc/passwd, <dataDir>/tokens.json, models/../infermesh.json, and models/link.onnx -> /etc/passwd",
    async run(mesh) {
      const models = path.join(mesh.dataDir, 'models');
      const link = path.join(models, 'link.onnx');
      await symlink('/etc/passwd', link).catch(() => undefined);
      return expectCases([
        { call: register(mesh, '/etc/passwd'), code: 'PERMISSION_DENIED', details: 'allowedDirs' },
        { call: register(mesh, path.join(mesh.dataDir, 'tokens.json')), code: 'PERMISSION_DENIED', details: 'allowedDirs' },
        { call: register(mesh, `${models}/../infermesh.json`), code: 'PERMISSION_DENIED', details: 'allowedDirs' },
        { call: register(mesh, link), code: 'INVALID_ARGUMENT', details: 'no file at' },
      ]);
    },
  },
  {
    name: 'artifact URL to loopback/private/metadata',
    sent: 'RegisterVersion (admin) of http://127.0.0.2:…/model.onnx, http://169.254.169.254/latest/meta-data/, http://10.1.2.3/m.onnx (all on allowed prefixes), http://example.com/m.onnx (not)',
    async run(mesh) {
      const before = mesh.artifacts.loopbackHits();
      const outcome = await expectCases([
        { call: register(mesh, `${mesh.artifacts.loopback}/model.onnx`), code: 'PERMISSION_DENIED', details: 'reaches a loopback address' },
        { call: register(mesh, 'http://169.254.169.254/latest/meta-data/'), code: 'PERMISSION_DENIED', details: 'reaches a link-local address' },
        { call: register(mesh, 'http://10.1.2.3/m.onnx'), code: 'PERMISSION_DENIED', details: 'reaches a private address' },
        { call: register(mesh, 'http://example.com/m.onnx'), code: 'PERMISSION_DENIED', details: 'allowedUrlPrefixes' },
      ]);
      if (mesh.artifacts.loopbackHits() !== before) outcome.failures.push('a refused download reached the loopback server');
      return outcome;
    },
  },
  {
    name: 'artifact URL redirected to loopback/metadata',
    sent: 'RegisterVersion (admin) of allowed-prefix URLs answering 302 to http://127.0.0.2:…/model.onnx and to 169.254.169.254; then one that is allowed',
    async run(mesh) {
      const before = mesh.artifacts.loopbackHits();
      const outcome = await expectCases([
        { call: register(mesh, `${mesh.artifacts.allowed}/to-loopback`), code: 'PERMISSION_DENIED', details: '(redirected) reaches a loopback address' },
        { call: register(mesh, `${mesh.artifacts.allowed}/to-metadata`), code: 'PERMISSION_DENIED', details: '(redirected) reaches a link-local address' },
      ]);
      if (mesh.artifacts.loopbackHits() !== before) outcome.failures.push('a refused redirect reached the loopback server');
      // The rules refuse what they must, not everything: the allowed URL still downloads.
      const [allowedCode, details] = await outcomeOf(register(mesh, `${mesh.artifacts.allowed}/model.onnx`)());
      if (allowedCode !== 'OK') outcome.failures.push(`the allowed URL failed: ${allowedCode} ${details}`);
      outcome.note = `${outcome.note}; allowed URL: ${allowedCode}`;
      return outcome;
    },
  },
];
