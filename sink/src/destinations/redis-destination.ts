/**
 * redis destination: XADD to a stream with approximate MAXLEN trimming. Exactly once per
 * record id within dedupeTtlSeconds: one Lua script per batch adds an entry only when its
 * marker key `<stream>:dedupe:<id>` is absent, and sets the marker only after the XADD has
 * succeeded. Redis does not roll a script back, so a script that fails half-way leaves
 * markers only for entries that are in the stream; a retry adds the rest. For Redis
 * Cluster, put a hash tag in the stream name ({name}) so the markers share its slot.
 * Durability is the server's: with `appendfsync everysec` an acknowledged XADD can still be
 * lost to a power cut of the Redis host within that second.
 */
import type { Logger, RedisConfig } from '@infermesh/common';
import { Redis } from 'ioredis';
import { DeliveryError } from '../delivery/DeliveryError.js';
import type { DeliveryItem, Destination } from './Destination.js';

// KEYS[1] stream; ARGV: maxlen, ttl seconds, marker prefix, then (id, model, record) per entry.
const ADD_ONCE = `
local added = 0
for i = 4, #ARGV, 3 do
  local marker = ARGV[3] .. ARGV[i]
  if redis.call('EXISTS', marker) == 0 then
    redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'id', ARGV[i], 'model', ARGV[i + 1], 'record', ARGV[i + 2])
    redis.call('SET', marker, '1', 'EX', ARGV[2])
    added = added + 1
  end
end
return added`;

export class RedisDestination implements Destination {
  private readonly redis: Redis;

  constructor(
    private readonly config: RedisConfig,
    logger: Logger,
  ) {
    this.redis = new Redis(config.url, {
      lazyConnect: true,
      connectTimeout: config.timeoutMs,
      commandTimeout: config.timeoutMs,
      // Fail a command after one reconnect attempt: the worker's own retry takes over.
      maxRetriesPerRequest: 1,
      retryStrategy: (times) => Math.min(times * 200, 2_000),
    });
    this.redis.defineCommand('infermeshAddOnce', { numberOfKeys: 1, lua: ADD_ONCE });
    this.redis.on('error', (error: Error) => logger.debug({ err: error, destination: config.name }, 'redis connection error'));
  }

  async deliver(items: readonly DeliveryItem[], _signal?: AbortSignal): Promise<void> {
    const args: (string | number)[] = [this.config.maxLen, this.config.dedupeTtlSeconds, `${this.config.stream}:dedupe:`];
    for (const { id, json, document } of items) args.push(id, document.kind === 'prediction' ? document.modelName : '', json);
    try {
      if (this.redis.status === 'wait') await this.redis.connect();
      await (this.redis as unknown as AddOnce).infermeshAddOnce(this.config.stream, ...args);
    } catch (error) {
      const message = (error as Error).message;
      // A script error is about the data or the key's type; anything else is the connection.
      const refused = /WRONGTYPE|ERR Error running script|ERR user_script/.test(message);
      throw new DeliveryError(`redis ${this.config.stream}: ${message}`, !refused, { cause: error });
    }
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}

interface AddOnce {
  infermeshAddOnce(stream: string, ...args: (string | number)[]): Promise<number>;
}
