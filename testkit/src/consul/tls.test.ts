/**
 * The `consul` client as infermesh builds it from `consul.tls`, `consul.tokenFile` and
 * `consul.datacenter`, against the stand-in serving HTTPS with client certificates required
 * (an agent with `verify_incoming`) and ACLs on. Stand-in only: it makes its own CA.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createConsulClient } from '@infermesh/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestCa, type TestCa } from '../test-certs.js';
import { ConsulStandIn } from './ConsulStandIn.js';

let ca: TestCa;
let standIn: ConsulStandIn;
let dir: string;

beforeAll(async () => {
  ca = await createTestCa('consul test ca');
  const server = ca.issue('consul-server');
  standIn = await ConsulStandIn.start({ token: 'tls-token', datacenter: 'eu-1', tls: { cert: ca.read(server.cert), key: ca.read(server.key), ca: ca.read(ca.ca) } });
  dir = await mkdtemp(path.join(tmpdir(), 'infermesh-consul-tls-'));
  await writeFile(path.join(dir, 'token'), 'tls-token\n');
}, 60_000);
afterAll(async () => {
  await standIn?.close();
  await ca?.remove();
  await rm(dir, { recursive: true, force: true });
});

describe('createConsulClient', () => {
  it('reaches an HTTPS agent with the CA, a client certificate and a token file, in the datacenter named', async () => {
    const client = ca.issue('infermesh-client');
    const consul = await createConsulClient({ address: standIn.address, tokenFile: path.join(dir, 'token'), datacenter: 'eu-1', tls: { ca: ca.ca, cert: client.cert, key: client.key } });
    try {
      expect(consul.description).toBe(`consul ${standIn.address} (eu-1)`);
      expect(await consul.client.kv.set('tls/key', 'over tls')).toBe(true);
      expect(await consul.client.kv.get('tls/key')).toMatchObject({ Value: 'over tls' });
    } finally {
      consul.close();
    }
    // Without the client certificate the handshake fails; in another datacenter the agent has no route.
    const anonymous = await createConsulClient({ address: standIn.address, tokenFile: path.join(dir, 'token'), tls: { ca: ca.ca } });
    const elsewhere = await createConsulClient({ address: standIn.address, tokenFile: path.join(dir, 'token'), datacenter: 'us-1', tls: { ca: ca.ca, cert: client.cert, key: client.key } });
    try {
      await expect(anonymous.client.kv.get('tls/key')).rejects.toThrow();
      await expect(elsewhere.client.kv.get('tls/key')).rejects.toMatchObject({ statusCode: 500 });
    } finally {
      anonymous.close();
      elsewhere.close();
    }
  });
});
