import { randomBytes } from 'node:crypto';
import { destinationSchema, silentLogger, type RedisConfig } from '@infermesh/common';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { LOCAL_SERVICES, localServicesAvailable } from '@infermesh/testkit';
import { deliveryItems } from './delivery-items.test-helper.js';
import { RedisDestination } from './redis-destination.js';

const available = await localServicesAvailable('redis');
const stream = `infermesh:test:${randomBytes(6).toString('hex')}`;
const signal = new AbortController().signal;
const config = (overrides: Record<string, unknown> = {}) =>
  destinationSchema.parse({ name: 'r', type: 'redis', url: LOCAL_SERVICES.redis.url, stream, timeoutMs: 2_000, ...overrides }) as RedisConfig;

describe.skipIf(!available)('redis destination', () => {
  const redis = new Redis(LOCAL_SERVICES.redis.url, { lazyConnect: true });
  afterAll(async () => {
    const markers = await redis.keys(`${stream}:dedupe:*`);
    if (markers.length > 0) await redis.del(...markers);
    await redis.del(stream);
    redis.disconnect();
  });

  it('adds each record id to the stream exactly once, even when a batch comes again', async () => {
    const destination = new RedisDestination(config(), silentLogger());
    const items = deliveryItems(40);
    await destination.deliver(items, signal);
    await destination.deliver([...items.slice(0, 25), ...deliveryItems(3, 41)], signal);
    await destination.close();
    expect(await redis.xlen(stream)).toBe(43);
    const [first] = await redis.xrange(stream, '-', '+', 'COUNT', 1);
    expect(first![1]).toEqual(['id', items[0]!.id, 'model', 'mlp', 'record', items[0]!.json]);
    expect(await redis.ttl(`${stream}:dedupe:${items[0]!.id}`)).toBeGreaterThan(86_000);
  });

  it('leaves no de-duplication marker for a record whose XADD failed, so the retry adds it', async () => {
    const broken = `${stream}:broken`;
    // A key of the wrong type makes every XADD of the script fail (WRONGTYPE).
    await redis.set(broken, 'not a stream');
    const destination = new RedisDestination(config({ stream: broken }), silentLogger());
    const items = deliveryItems(3);
    await expect(destination.deliver(items, signal)).rejects.toMatchObject({ retryable: false });
    expect(await redis.exists(...items.map((item) => `${broken}:dedupe:${item.id}`))).toBe(0);
    await redis.del(broken);
    await destination.deliver(items, signal);
    await destination.close();
    expect(await redis.xlen(broken)).toBe(3);
    await redis.del(broken, ...items.map((item) => `${broken}:dedupe:${item.id}`));
  });

  it('reports a server that refuses connections as retryable', async () => {
    const destination = new RedisDestination(config({ url: 'redis://127.0.0.1:1' }), silentLogger());
    await expect(destination.deliver(deliveryItems(1), signal)).rejects.toMatchObject({ retryable: true });
    await destination.close();
  });
});
