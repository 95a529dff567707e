/**
 * redis destination: XADD to a stream with approximate MAXLEN trimming. Exactly once per
 * record id within dedupeTtlSeconds: one Lua script per batch (atomic) sets a marker key
 * `<stream>:dedupe:<id>` with SET NX EX and adds the entry only when the marker is new, so
 * a batch delivered again after a crash or a lost reply adds nothing twice. For Redis
 * Cluster, put a hash tag in the stream name ({name}) so the markers share its slot.
 */
import type { Logger, RedisConfig } from '@infermesh/common';
import { Redis } from 'ioredis';
import { DeliveryError } from '../delivery/DeliveryError.js';
import type { DeliveryItem, Destination } from './Destination.js';

// KEYS[1] stream; ARGV: maxlen, ttl seconds, marker prefix, then (id, model, record) per entry.
const ADD_ONCE = `
local added = 0
for i = 4, #ARGV, 3 do
  if redis.call('SET', ARGV[3] .. ARGV[i], '1', 'NX', 'EX', ARGV[2]) then
    redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'id', ARGV[i], 'model', ARGV[i + 1], 'record', ARGV[i + 2])
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
