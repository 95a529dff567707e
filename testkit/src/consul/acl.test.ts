/**
 * ACLs: with a token configured (default deny), requests without it are refused with 403
 * "Permission denied", requests with an unknown one with 403 "ACL not found"; the token in
 * X-Consul-Token or ?token= is accepted. Against a real Consul it needs CONSUL_HTTP_TOKEN.
 */
import { createConsulClient } from '@infermesh/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsulTarget, type ConsulTarget } from './consul-target.js';

let target: ConsulTarget;

beforeAll(async () => {
  target = await startConsulTarget({ token: 'stand-in-management-token' });
});
afterAll(async () => {
  await target.close();
});

describe('Consul ACL tokens', () => {
  it('refuses requests without the token or with an unknown one, and serves those with it', async (context) => {
    if (!target.token) return context.skip();
    const key = `${target.prefix}/acl`;
    const anonymous = await fetch(`${target.address}/v1/kv/${key}`, { method: 'PUT', body: 'x' });
    expect(anonymous.status).toBe(403);
    expect(await anonymous.text()).toMatch(/Permission denied/);
    const unknown = await fetch(`${target.address}/v1/kv/${key}`, { method: 'PUT', body: 'x', headers: { 'X-Consul-Token': 'not-a-token' } });
    expect(unknown.status).toBe(403);
    expect(await unknown.text()).toMatch(/ACL not found/);
    expect((await fetch(`${target.address}/v1/kv/${key}?token=${target.token}`, { method: 'PUT', body: 'x' })).status).toBe(200);

    const withToken = await createConsulClient({ address: target.address, token: target.token });
    const without = await createConsulClient({ address: target.address });
    try {
      expect(await withToken.client.kv.get(key)).toMatchObject({ Value: 'x' });
      await expect(without.client.kv.get(key)).rejects.toMatchObject({ statusCode: 403 });
    } finally {
      withToken.close();
      without.close();
    }
  });
});
