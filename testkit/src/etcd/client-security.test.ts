/**
 * The mesh's etcd client (createEtcdClient) against a real etcd that serves TLS, requires
 * client certificates and has authentication on: the `etcd:` section's CA, client
 * certificate, user and password file get it in; a client without them is refused.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createEtcdClient, etcdSchema, type EtcdConnection } from '@infermesh/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestCa, type TestCa } from '../test-certs.js';
import { EtcdCluster } from './EtcdCluster.js';
import { etcdAvailable } from './etcd-gate.js';

const available = etcdAvailable();
let ca: TestCa;
let cluster: EtcdCluster;
let dir: string;
const connections: EtcdConnection[] = [];

async function connect(section: Record<string, unknown>): Promise<EtcdConnection> {
  const connection = await createEtcdClient(etcdSchema.parse({ endpoints: cluster.endpoints, callTimeoutMs: 3_000, ...section }));
  connections.push(connection);
  return connection;
}

beforeAll(async () => {
  if (!available) return;
  ca = await createTestCa('infermesh etcd test ca');
  const server = ca.issue('etcd-server');
  const client = ca.issue('mesh-client');
  cluster = await EtcdCluster.start({ members: 1, tls: { server, client, ca: ca.ca } });
  dir = await mkdtemp(path.join(tmpdir(), 'infermesh-etcd-auth-'));
  await writeFile(path.join(dir, 'password'), 'mesh-secret\n');
  // Users and roles as an operator would set them up, then authentication on.
  const root = await connect({ tls: { ca: ca.ca, cert: client.cert, key: client.key } });
  await root.client.role('root').create();
  await (await root.client.user('root').create('root-secret')).addRole('root');
  await (await root.client.role('mesh').create()).grant({ permission: 'Readwrite', range: root.client.range({ prefix: '/secure/' }) });
  await (await root.client.user('mesh').create('mesh-secret')).addRole('mesh');
  await root.client.auth.authEnable({});
}, 60_000);

afterAll(async () => {
  for (const connection of connections) connection.close();
  await cluster?.close();
  await ca?.remove();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!available)('the etcd client with TLS, client certificates and a user', () => {
  it('reads and writes with the CA, client certificate, user and password file of the etcd: section', async () => {
    const client = ca.issue('mesh-client');
    const etcd = await connect({ tls: { ca: ca.ca, cert: client.cert, key: client.key }, username: 'mesh', passwordFile: path.join(dir, 'password') });
    await etcd.client.put('/secure/key').value('over TLS as mesh').exec();
    expect(await etcd.client.get('/secure/key').string()).toBe('over TLS as mesh');
    expect(etcd.description).toBe(`etcd ${cluster.endpoints[0]}`);
  });

  it('is refused without a password, outside its role, and without a client certificate', async () => {
    const client = ca.issue('mesh-client');
    const anonymous = await connect({ tls: { ca: ca.ca, cert: client.cert, key: client.key } });
    await expect(anonymous.client.get('/secure/key').string()).rejects.toThrow(/user name is empty|permission denied/i);
    const mesh = await connect({ tls: { ca: ca.ca, cert: client.cert, key: client.key }, username: 'mesh', password: 'mesh-secret' });
    await expect(mesh.client.put('/elsewhere').value('x').exec()).rejects.toThrow(/permission denied/i);
    const wrong = await connect({ tls: { ca: ca.ca, cert: client.cert, key: client.key }, username: 'mesh', password: 'not-it' });
    await expect(wrong.client.get('/secure/key').string()).rejects.toThrow(/authentication failed/i);
    const noCertificate = await connect({ tls: { ca: ca.ca }, username: 'mesh', password: 'mesh-secret', dialTimeoutMs: 1_000 });
    await expect(noCertificate.client.get('/secure/key').string()).rejects.toThrow();
  });
});
