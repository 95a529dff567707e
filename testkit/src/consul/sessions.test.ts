/**
 * Consul sessions and locks: acquire/release, LockIndex and the Session field, TTL expiry
 * releasing (or deleting) what the session held, lock delay, renew and destroy.
 * Against a real Consul (CONSUL_HTTP_ADDR) its `session_ttl_min` must be 1s or less.
 */
import { createConsulClient, type ConsulConnection } from '@infermesh/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from '../poll.js';
import { startConsulTarget, type ConsulTarget } from './consul-target.js';

let target: ConsulTarget;
let consul: ConsulConnection;
const key = (name: string) => `${target.prefix}/sessions/${name}`;

beforeAll(async () => {
  target = await startConsulTarget({ sessionTtlMinMs: 1_000 });
  consul = await createConsulClient({ address: target.address, ...(target.token ? { token: target.token } : {}) });
});
afterAll(async () => {
  consul.close();
  await target.close();
});

describe('Consul sessions and locks', () => {
  it('gives a lock to one session at a time, counting acquisitions in LockIndex', async () => {
    const first = (await consul.client.session.create({ ttl: '30s', lockdelay: '0s' })).ID;
    const second = (await consul.client.session.create({ ttl: '30s', lockdelay: '0s' })).ID;
    expect(await consul.client.kv.set({ key: key('lock'), value: 'first', acquire: first })).toBe(true);
    expect(await consul.client.kv.get(key('lock'))).toMatchObject({ Value: 'first', LockIndex: 1, Session: first });
    expect(await consul.client.kv.set({ key: key('lock'), value: 'second', acquire: second })).not.toBe(true);
    // The holder may acquire again: the value changes, LockIndex does not.
    expect(await consul.client.kv.set({ key: key('lock'), value: 'first again', acquire: first })).toBe(true);
    expect(await consul.client.kv.get(key('lock'))).toMatchObject({ Value: 'first again', LockIndex: 1 });
    // Only the holder releases.
    expect(await consul.client.kv.set({ key: key('lock'), value: 'x', release: second })).not.toBe(true);
    expect(await consul.client.kv.set({ key: key('lock'), value: 'released', release: first })).toBe(true);
    const released = await consul.client.kv.get(key('lock'));
    expect(released).toMatchObject({ Value: 'released', LockIndex: 1 });
    expect((released as { Session?: string }).Session).toBeUndefined();
    expect(await consul.client.kv.set({ key: key('lock'), value: 'second', acquire: second })).toBe(true);
    expect(await consul.client.kv.get(key('lock'))).toMatchObject({ LockIndex: 2, Session: second });
    await consul.client.session.destroy(first);
    await consul.client.session.destroy(second);
  });

  it('ends a session its TTL runs out on, releasing its lock; a renewed one lives on', async () => {
    const lapsing = (await consul.client.session.create({ ttl: '1s', lockdelay: '0s', behavior: 'release' })).ID;
    const renewed = (await consul.client.session.create({ ttl: '1s', lockdelay: '0s' })).ID;
    expect(await consul.client.kv.set({ key: key('ttl'), value: 'held', acquire: lapsing })).toBe(true);
    const renewer = setInterval(() => void consul.client.session.renew(renewed).catch(() => undefined), 300);
    try {
      // Consul may take up to twice the TTL; the stand-in takes the TTL exactly.
      await pollUntil(async () => ((await consul.client.kv.get(key('ttl'))) as { Session?: string } | undefined)?.Session === undefined, { timeoutMs: 10_000, what: 'the lapsed session to release its lock' });
      expect(await consul.client.kv.get(key('ttl'))).toMatchObject({ Value: 'held', LockIndex: 1 });
      expect(await consul.client.session.info(lapsing)).toBeUndefined();
      await expect(consul.client.session.renew(lapsing)).rejects.toMatchObject({ statusCode: 404 });
      expect(await consul.client.session.info(renewed)).toMatchObject({ ID: renewed, TTL: '1s', Behavior: 'release' });
    } finally {
      clearInterval(renewer);
      await consul.client.session.destroy(renewed);
    }
  });

  it("deletes a 'delete' session's keys when it is destroyed, and holds its locks back for the lock delay", async () => {
    const deleting = (await consul.client.session.create({ ttl: '30s', behavior: 'delete', lockdelay: '0s' })).ID;
    expect(await consul.client.kv.set({ key: key('ephemeral'), value: 'x', acquire: deleting })).toBe(true);
    await consul.client.session.destroy(deleting);
    expect(await consul.client.kv.get(key('ephemeral'))).toBeUndefined();

    const delayed = (await consul.client.session.create({ ttl: '30s', lockdelay: '3s' })).ID;
    const next = (await consul.client.session.create({ ttl: '30s', lockdelay: '0s' })).ID;
    expect(await consul.client.kv.set({ key: key('delayed'), value: 'x', acquire: delayed })).toBe(true);
    await consul.client.session.destroy(delayed);
    expect(await consul.client.kv.set({ key: key('delayed'), value: 'y', acquire: next })).not.toBe(true);
    await pollUntil(async () => (await consul.client.kv.set({ key: key('delayed'), value: 'y', acquire: next })) === true, { timeoutMs: 15_000, what: 'the lock delay to pass' });
    await consul.client.session.destroy(next);
  });

  it('refuses a TTL below session_ttl_min, an unknown behavior, and acquire by an unknown session', async () => {
    await expect(consul.client.session.create({ ttl: '10ms' })).rejects.toMatchObject({ statusCode: 400 });
    await expect(consul.client.session.create({ ttl: '10s', behavior: 'explode' as 'delete' })).rejects.toMatchObject({ statusCode: 400 });
    await expect(consul.client.kv.set({ key: key('nobody'), value: 'x', acquire: '00000000-0000-0000-0000-000000000000' })).rejects.toMatchObject({ statusCode: 500 });
  });
});
