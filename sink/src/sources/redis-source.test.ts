import { randomBytes } from 'node:crypto';
import { silentLogger, sourceSchema, type RedisSourceConfig } from '@infermesh/common';
import { LOCAL_SERVICES, localServicesAvailable, pollUntil } from '@infermesh/testkit';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { RedisSource } from './redis-source.js';
import { goodMessage, recordingHandler } from './source-handler.test-helper.js';

const available = await localServicesAvailable('redis');

describe.skipIf(!available)('Redis stream source', () => {
  it('dead-letters an entry whose value is over maxMessageBytes without loading it, and acknowledges it', { timeout: 60_000 }, async () => {
    const stream = `infermesh:test:${randomBytes(5).toString('hex')}`;
    const group = 'g';
    const config = sourceSchema.parse({ name: 'in', type: 'redis', url: LOCAL_SERVICES.redis.url, stream, group, maxMessageBytes: 1024 }) as RedisSourceConfig;
    const { handler, called, deadLetters } = recordingHandler(config);
    const source = new RedisSource(config, handler, silentLogger());
    await source.ready;
    const redis = new Redis(LOCAL_SERVICES.redis.url);
    try {
      const big = await redis.xadd(stream, '*', 'message', Buffer.alloc(4 * 1024 * 1024, 0x20));
      await redis.xadd(stream, '*', 'message', goodMessage('after'));
      await pollUntil(async () => called.length > 0 && deadLetters.length > 0, { timeoutMs: 30_000, intervalMs: 20, what: 'both entries', describe: async () => ({ called, deadLetters }) });
      expect(called).toEqual(['after']);
      expect(deadLetters.map((d) => [d.messageBytes, d.reason])).toEqual([
        [0, `stream entry ${big}: field 'message' is 4194304 bytes, over the source's maxMessageBytes of 1024; not read`],
      ]);
      // Both have their outcome, so neither stays pending.
      await pollUntil(async () => Number(((await redis.xpending(stream, group)) as [number])[0]) === 0, { timeoutMs: 30_000, intervalMs: 20, what: 'no pending entry' });
    } finally {
      await source.close();
      await redis.del(stream);
      redis.disconnect();
    }
  });
});
