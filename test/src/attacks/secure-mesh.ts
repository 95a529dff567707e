/**
 * The mesh the security attacks run against: registry, one runner, sink and gateway as child
 * processes, with mutual TLS between them, TLS on the gateway's public port, static tokens and
 * JWTs (ES256, a public key file), and registry.artifacts allowing the artifact servers'
 * prefixes over plain http with only 127.0.0.1 reachable. `simple` v1 is registered by path
 * and served.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { exportSPKI, generateKeyPair, type CryptoKey } from 'jose';
import { InferenceClient, RegistryClient } from '@infermesh/client';
import { mainScript, spawnService, type SpawnedService } from '@infermesh/common';
import { createTestCa, simpleModel, waitFor, type TestCa } from '@infermesh/testkit';
import type { Target } from './attack.js';
import { startArtifactServers, type ArtifactServers } from './artifact-server.js';

export const ADMIN_TOKEN = 'attacks-admin-token-0123456789';
/** A token whose `models` holds `simple` only. */
export const CALLER_TOKEN = 'attacks-caller-token-012345678';
export const JWT_ISSUER = 'https://issuer.attacks.test';

export interface SecureMesh extends Target {
  dataDir: string;
  ca: TestCa;
  /** The runner's and the sink's addresses (mutual TLS ports). */
  runner: string;
  sink: string;
  /** The key JWTs are verified with, and one the mesh does not know. */
  signingKey: CryptoKey;
  forgingKey: CryptoKey;
  artifacts: ArtifactServers;
  /** A registry client with an operator certificate and the admin token. */
  admin: RegistryClient;
  /** Credentials a public caller has: the CA, no certificate. */
  publicCredentials(): grpc.ChannelCredentials;
  /** Credentials with a mesh client certificate. */
  meshCredentials(): grpc.ChannelCredentials;
  stop(): Promise<void>;
}

export async function startSecureMesh(): Promise<SecureMesh> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'infermesh-attacks-secure-'));
  const ca = await createTestCa();
  const node = ca.issue('node');
  const publicCert = ca.issue('public');
  const operator = ca.issue('operator');
  const model = simpleModel();
  const artifacts = await startArtifactServers(model);
  const keys = await generateKeyPair('ES256');
  const forgingKey = (await generateKeyPair('ES256')).privateKey;
  await writeFile(path.join(dataDir, 'jwt.pem'), await exportSPKI(keys.publicKey));
  const repository = path.join(dataDir, 'runner-repository');
  await mkdir(repository);
  await writeFile(
    path.join(dataDir, 'tokens.json'),
    JSON.stringify({ tokens: [{ name: 'ops', token: ADMIN_TOKEN, roles: ['admin'] }, { name: 'app', token: CALLER_TOKEN, models: ['simple'] }] }),
  );
  const config = {
    dataDir,
    log: { level: 'info' },
    runners: [{ name: 'runner-0', device: 'cpu', port: 0, modelRepository: repository, intraOpThreads: 1 }],
    gateway: { port: 0, httpPort: 0, runnerRefreshMs: 200, tls: { cert: publicCert.cert, key: publicCert.key, clientAuth: 'none' } },
    registry: {
      port: 0,
      leaseMs: 2_000,
      runnerSyncMs: 250,
      statsReportMs: 200,
      artifacts: {
        allowedUrlPrefixes: [`${artifacts.allowed}/`, `${artifacts.loopback}/`, 'http://169.254.169.254/', 'http://10.1.2.3/'],
        allowHttp: true,
        allowedNetworks: ['127.0.0.1/32'],
      },
    },
    sink: { port: 0, metricsPort: 0, publisher: { batchDelayMs: 0 }, destinations: [{ name: 'records', type: 'jsonl' }] },
    tls: { cert: node.cert, key: node.key, ca: node.ca },
    auth: { tokens: path.join(dataDir, 'tokens.json'), jwt: { publicKey: path.join(dataDir, 'jwt.pem'), issuer: JWT_ISSUER, algorithms: ['ES256'], clockToleranceSec: 0 } },
  };
  const configFile = path.join(dataDir, 'infermesh.json');
  await writeFile(configFile, JSON.stringify(config));

  const services: SpawnedService[] = [];
  const spawn = async (name: string, script: string, env: Record<string, string> = {}) => {
    const service = await spawnService({ name, script, env: { INFERMESH_CONFIG: configFile, ...env } });
    services.push(service);
    return service;
  };
  const clients: { close(): void }[] = [];
  const stop = async () => {
    for (const client of clients) client.close();
    for (const service of [...services].reverse()) await service.stop();
    artifacts.close();
    await ca.remove();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    const registry = await spawn('registry', mainScript('@infermesh/registry'));
    const withRegistry = { INFERMESH_REGISTRY_ADDRESS: registry.address };
    const runner = await spawn('runner', mainScript('@infermesh/runners'), { ...withRegistry, INFERMESH_RUNNER_NAME: 'runner-0' });
    const sink = await spawn('sink', mainScript('@infermesh/sink'));
    const gateway = await spawn('gateway', mainScript('@infermesh/gateway'), { ...withRegistry, INFERMESH_SINK_ADDRESS: sink.address });
    const publicCredentials = () => grpc.credentials.createSsl(ca.read(ca.ca));
    const meshCredentials = () => grpc.credentials.createSsl(ca.read(ca.ca), ca.read(operator.key), ca.read(operator.cert));
    const admin = new RegistryClient(registry.address, { credentials: meshCredentials(), token: ADMIN_TOKEN });
    const caller = new InferenceClient(gateway.address, { credentials: publicCredentials(), token: CALLER_TOKEN });
    clients.push(admin, caller);

    await waitFor(async () => (await admin.listRunners()).some((entry) => entry.live), 60_000, 'the runner to register over mutual TLS');
    const artifact = path.join(dataDir, 'models', 'simple.onnx');
    await mkdir(path.dirname(artifact), { recursive: true });
    await writeFile(artifact, model);
    await admin.registerVersion({ model: 'simple', version: 1, artifact, actor: 'attacks' });
    await admin.setRollout('simple', { stable_version: 1 }, ['stable_version']);
    await waitFor(() => caller.modelReady('simple'), 60_000, 'simple to be served through the TLS gateway');

    const labelled: [string, SpawnedService][] = [['gateway', gateway], ['runner', runner], ['registry', registry], ['sink', sink]];
    return {
      dataDir,
      ca,
      gateway: gateway.address,
      registry: registry.address,
      runner: runner.address,
      sink: sink.address,
      processes: () => labelled.filter(([, service]) => service.child.exitCode === null && service.child.signalCode === null).map(([label, service]) => ({ label, pid: service.child.pid! })),
      caller,
      signingKey: keys.privateKey,
      forgingKey,
      artifacts,
      admin,
      publicCredentials,
      meshCredentials,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
