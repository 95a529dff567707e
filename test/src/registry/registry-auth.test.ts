/**
 * The registry behind TLS and bearer tokens: changes need the admin role, runners' calls a
 * mesh client certificate (or a token with the service role), reads any token; a plaintext
 * caller never gets in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { RegistryClient } from '@infermesh/client';
import { authSchema, parseRegistryConfig, silentLogger, tlsSchema, type TlsConfig } from '@infermesh/common';
import { createRegistry, type RunningRegistry } from '@infermesh/registry';
import { createRunner } from '@infermesh/runners';
import { createTestCa, inProcessRunnerSettings, waitFor, type CertFiles, type TestCa } from '@infermesh/testkit';

const ADMIN = 'registry-admin-token-0123';
const READER = 'registry-reader-token-0123';
const SERVICE = 'registry-service-token-012';

let dir: string;
let ca: TestCa;
let admin: CertFiles;
const registries: RunningRegistry[] = [];
const clients: RegistryClient[] = [];

async function startRegistry(tls: TlsConfig): Promise<RunningRegistry> {
  const dataDir = await mkdtemp(path.join(dir, 'data-'));
  const registry = await createRegistry({
    config: parseRegistryConfig({ port: 0 }),
    dataDir,
    maxMessageBytes: 1 << 24,
    logger: silentLogger(),
    tls,
    auth: authSchema.parse({ tokens: path.join(dir, 'tokens.json') }),
  });
  registries.push(registry);
  return registry;
}

function client(registry: RunningRegistry, options: { token?: string; cert?: CertFiles; plaintext?: boolean } = {}): RegistryClient {
  const { cert } = options;
  const credentials = options.plaintext
    ? grpc.credentials.createInsecure()
    : grpc.credentials.createSsl(ca.read(ca.ca), cert ? ca.read(cert.key) : null, cert ? ca.read(cert.cert) : null);
  const made = new RegistryClient(registry.address, { credentials, ...(options.token ? { token: options.token } : {}) });
  clients.push(made);
  return made;
}

const runner = (name: string) => ({ name, address: '127.0.0.1:1', device: 'cpu' });

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'infermesh-registry-auth-'));
  ca = await createTestCa();
  admin = ca.issue('operator');
  const tokens = [
    { name: 'ops', token: ADMIN, roles: ['admin'] },
    { name: 'reader', token: READER },
    { name: 'runner-token', token: SERVICE, roles: ['service'] },
  ];
  await writeFile(path.join(dir, 'tokens.json'), JSON.stringify({ tokens }));
});

afterAll(async () => {
  for (const made of clients) made.close();
  for (const registry of registries) await registry.close();
  await ca?.remove();
  await rm(dir, { recursive: true, force: true });
});

describe('registry with mutual TLS and tokens', () => {
  let registry: RunningRegistry;
  beforeAll(async () => {
    const files = ca.issue('registry');
    registry = await startRegistry(tlsSchema.parse({ ...files }));
  });

  it('lets only the admin role change rollouts', async () => {
    await expect(client(registry, { cert: admin }).promote('mlp')).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    await expect(client(registry, { cert: admin, token: READER }).promote('mlp')).rejects.toMatchObject({
      code: grpc.status.PERMISSION_DENIED,
      details: "Promote needs the 'admin' role; token 'reader' has none",
    });
    await expect(client(registry, { cert: admin, token: READER }).rollback('mlp')).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED });
    await expect(client(registry, { cert: admin, token: READER }).unload('mlp')).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED });
    // Past the check, the registry answers for the model itself.
    await expect(client(registry, { cert: admin, token: ADMIN }).promote('mlp')).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
  });

  it('lets any token read, and a mesh certificate register a runner without a token', async () => {
    expect(await client(registry, { cert: admin, token: READER }).listModels()).toEqual([]);
    await expect(client(registry, { cert: admin }).listModels()).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    expect((await client(registry, { cert: ca.issue('runner-1') }).registerRunner(runner('runner-1'))).heartbeat_ms).toBeGreaterThan(0);
  });

  it('refuses a plaintext caller and a caller without a certificate', async () => {
    await expect(client(registry, { plaintext: true, token: ADMIN }).listModels()).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    await expect(client(registry, { token: ADMIN }).listModels()).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
  });
});

describe('registry with TLS but no client certificates', () => {
  let registry: RunningRegistry;
  beforeAll(async () => {
    const files = ca.issue('registry-open');
    registry = await startRegistry(tlsSchema.parse({ cert: files.cert, key: files.key, clientAuth: 'none' }));
  });

  it('wants a token with the service role for runner calls', async () => {
    await expect(client(registry).registerRunner(runner('runner-2'))).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    await expect(client(registry, { token: READER }).registerRunner(runner('runner-2'))).rejects.toMatchObject({
      code: grpc.status.PERMISSION_DENIED,
      details: "RegisterRunner needs the 'service' role; token 'reader' has none",
    });
    expect((await client(registry, { token: SERVICE }).registerRunner(runner('runner-2'))).heartbeat_ms).toBeGreaterThan(0);
  });

  it('lets a runner with the service token (INFERMESH_TOKEN) join', async () => {
    const repository = await mkdtemp(path.join(dir, 'repo-'));
    const files = ca.issue('runner-3');
    const joined = await createRunner({
      ...inProcessRunnerSettings(repository),
      name: 'runner-3',
      registry: registry.address,
      token: SERVICE,
      tls: tlsSchema.parse({ ...files, clientAuth: 'none' }),
    });
    try {
      const reader = client(registry, { token: READER });
      await waitFor(async () => (await reader.listRunners()).some((entry) => entry.name === 'runner-3' && entry.live), 30_000, 'runner-3 to register with its token');
    } finally {
      await joined.close();
    }
  });
});
