/**
 * Consul KV semantics the registry's store relies on, through the `consul` client and raw
 * HTTP: cas, indexes, recursive reads, key lists, deletes, blocking reads, the value limit.
 * Runs against a real Consul when CONSUL_HTTP_ADDR is set (see consul-target.ts).
 */
import { createConsulClient, withIndex, type ConsulConnection } from '@infermesh/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsulTarget, type ConsulTarget } from './consul-target.js';

let target: ConsulTarget;
let consul: ConsulConnection;
const key = (name: string) => `${target.prefix}/kv/${name}`;
const headers = (): Record<string, string> => (target.token ? { 'X-Consul-Token': target.token } : {});
const http = (path: string, init: RequestInit = {}) => fetch(`${target.address}${path}`, { ...init, headers: { ...headers(), ...(init.headers as Record<string, string>) } });

beforeAll(async () => {
  target = await startConsulTarget();
  consul = await createConsulClient({ address: target.address, ...(target.token ? { token: target.token } : {}) });
});
afterAll(async () => {
  consul.close();
  await target.close();
});

describe('Consul KV', () => {
  // The consul client (2.0.1) resolves a `false` answer as undefined (its HTTP layer drops falsy
  // values), so refusals are asserted as "not true" through it and as `false` on the wire.
  it('creates with cas=0 only once, then updates only at the current ModifyIndex', async () => {
    expect(await consul.client.kv.set({ key: key('cas'), value: 'one', cas: 0 })).toBe(true);
    expect(await consul.client.kv.set({ key: key('cas'), value: 'again', cas: 0 })).not.toBe(true);
    const refused = await http(`/v1/kv/${key('cas')}?cas=0`, { method: 'PUT', body: 'again' });
    expect(await refused.text()).toBe('false');
    const first = await consul.client.kv.get(key('cas'));
    expect(first).toMatchObject({ Key: key('cas'), Value: 'one', Flags: 0, LockIndex: 0 });
    expect(first!.CreateIndex).toBe(first!.ModifyIndex);
    expect(await consul.client.kv.set({ key: key('cas'), value: 'two', cas: first!.ModifyIndex })).toBe(true);
    // The index just used is stale now: a second writer holding it loses.
    expect(await consul.client.kv.set({ key: key('cas'), value: 'lost', cas: first!.ModifyIndex })).not.toBe(true);
    const second = await consul.client.kv.get(key('cas'));
    expect(second).toMatchObject({ Value: 'two', CreateIndex: first!.CreateIndex });
    expect(second!.ModifyIndex).toBeGreaterThan(first!.ModifyIndex);
  });

  it('answers PUT with true/false, stores base64 values with flags, and 404 for a missing key', async () => {
    const put = await http(`/v1/kv/${key('wire')}?flags=42`, { method: 'PUT', body: Buffer.from([0, 1, 2, 255]) });
    expect(put.status).toBe(200);
    expect(await put.text()).toBe('true');
    const read = await http(`/v1/kv/${key('wire')}`);
    expect(Number(read.headers.get('x-consul-index'))).toBeGreaterThan(0);
    const [entry] = (await read.json()) as { Value: string; Flags: number; Key: string }[];
    expect(entry).toMatchObject({ Key: key('wire'), Flags: 42, Value: Buffer.from([0, 1, 2, 255]).toString('base64') });
    const raw = await http(`/v1/kv/${key('wire')}?raw`);
    expect(Buffer.from(await raw.arrayBuffer())).toEqual(Buffer.from([0, 1, 2, 255]));
    const missing = await http(`/v1/kv/${key('nothing-here')}`);
    expect(missing.status).toBe(404);
    expect(Number(missing.headers.get('x-consul-index'))).toBeGreaterThan(0);
    expect(await consul.client.kv.get(key('nothing-here'))).toBeUndefined();
  });

  it('reads a prefix recursively, lists keys with a separator, and deletes with cas and recurse', async () => {
    for (const name of ['tree/a', 'tree/b/c', 'tree/b/d']) await consul.client.kv.set(key(name), name);
    const all = (await consul.client.kv.get({ key: key('tree/'), recurse: true })) as { Key: string; Value: string }[];
    expect(all.map((entry) => entry.Value)).toEqual(['tree/a', 'tree/b/c', 'tree/b/d']);
    expect(await consul.client.kv.keys({ key: key('tree/'), separator: '/' })).toEqual([key('tree/a'), key('tree/b/')]);
    const a = await consul.client.kv.get(key('tree/a'));
    expect(await (await http(`/v1/kv/${key('tree/a')}?cas=${a!.ModifyIndex + 1000}`, { method: 'DELETE' })).text()).toBe('false');
    expect(await consul.client.kv.del({ key: key('tree/a'), cas: a!.ModifyIndex })).toBe(true);
    expect(await consul.client.kv.del({ key: key('tree/b/'), recurse: true })).toBe(true);
    expect(await consul.client.kv.get({ key: key('tree/'), recurse: true })).toBeUndefined();
  });

  it('holds a blocking read until the key changes, and answers after the wait when it does not', async () => {
    await consul.client.kv.set(key('block'), 'before');
    const { index } = await withIndex((ctx) => consul.client.kv.get({ key: key('block'), ctx } as never));
    const idle = await withIndex((ctx) => consul.client.kv.get({ key: key('block'), index: String(index), wait: '300ms', ctx } as never));
    expect(idle.index).toBe(index);
    const changed = withIndex<{ Value: string }>((ctx) => consul.client.kv.get({ key: key('block'), index: String(index), wait: '30s', ctx } as never));
    await new Promise((resolve) => setTimeout(resolve, 100));
    await consul.client.kv.set(key('block'), 'after');
    const answer = await changed;
    expect(answer.body?.Value).toBe('after');
    expect(answer.index).toBeGreaterThan(index);
    // A blocking read of a prefix wakes on a delete under it too.
    const prefix = await withIndex((ctx) => consul.client.kv.get({ key: key('block'), recurse: true, ctx } as never));
    const deleted = withIndex((ctx) => consul.client.kv.get({ key: key('block'), recurse: true, index: String(prefix.index), wait: '30s', ctx } as never));
    await consul.client.kv.del(key('block'));
    const afterDelete = await deleted;
    expect(afterDelete.body).toBeUndefined();
    expect(afterDelete.index).toBeGreaterThan(prefix.index);
  });

  it('refuses a value over 512 KiB with 413, and takes one of exactly 512 KiB', async () => {
    const limit = 512 * 1024;
    expect((await http(`/v1/kv/${key('big')}`, { method: 'PUT', body: Buffer.alloc(limit, 1) })).status).toBe(200);
    const over = await http(`/v1/kv/${key('big')}`, { method: 'PUT', body: Buffer.alloc(limit + 1, 2) });
    expect(over.status).toBe(413);
    const stored = (await consul.client.kv.get({ key: key('big'), raw: true } as never)) as unknown as Buffer;
    // Buffer.equals: vitest's deep equality walks half a million bytes slowly.
    expect(stored.equals(Buffer.alloc(limit, 1))).toBe(true);
  });

  it('applies a transaction all or none: a stale cas fails it with 409 and changes nothing', async () => {
    const b64 = (text: string) => Buffer.from(text).toString('base64');
    await consul.client.kv.set(key('txn/a'), 'a0');
    const a = await consul.client.kv.get(key('txn/a'));
    const applied = (await consul.client.transaction.create([
      { KV: { Verb: 'cas', Key: key('txn/a'), Value: b64('a1'), Index: a!.ModifyIndex } },
      { KV: { Verb: 'set', Key: key('txn/b'), Value: b64('b1') } },
    ] as never)) as { Results: { KV: { Key: string; ModifyIndex: number } }[] };
    expect(applied.Results.map((result) => result.KV.Key)).toEqual([key('txn/a'), key('txn/b')]);
    // Both writes of one transaction carry the same index.
    expect(applied.Results[0]!.KV.ModifyIndex).toBe(applied.Results[1]!.KV.ModifyIndex);
    expect((await consul.client.kv.get(key('txn/a')))!.ModifyIndex).toBe(applied.Results[0]!.KV.ModifyIndex);
    const stale = consul.client.transaction.create([
      { KV: { Verb: 'set', Key: key('txn/b'), Value: b64('b2') } },
      { KV: { Verb: 'cas', Key: key('txn/a'), Value: b64('a2'), Index: a!.ModifyIndex } },
    ] as never);
    await expect(stale).rejects.toMatchObject({ statusCode: 409 });
    expect(await consul.client.kv.get(key('txn/b'))).toMatchObject({ Value: 'b1' });
    expect(await consul.client.kv.get(key('txn/a'))).toMatchObject({ Value: 'a1' });
  });
});
