/**
 * Redis stream source: a consumer group reader. An entry is acknowledged (XACK) once it has
 * its outcome, so entries in hand when the sink dies are read again (its own pending
 * entries first) when it comes back: at least once.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger, RedisSourceConfig } from '@infermesh/common';
import { Redis } from 'ioredis';
import type { MessageHandler } from './MessageHandler.js';
import type { Source } from './Source.js';

type StreamReply = [stream: string, entries: [id: string, fields: string[]][]][] | null;

export class RedisSource implements Source {
  readonly ready: Promise<void>;
  private readonly reader: Redis;
  private readonly writer: Redis;
  private readonly consumer: string;
  private running: Promise<void> | undefined;
  private closed = false;
  private readonly acks = new Set<Promise<unknown>>();

  constructor(
    private readonly config: RedisSourceConfig,
    private readonly handler: MessageHandler,
    private readonly logger: Logger,
  ) {
    this.consumer = config.consumer ?? config.name;
    // The reader blocks in XREADGROUP, so acknowledgements travel on a second connection.
    this.reader = new Redis(config.url, { lazyConnect: true, maxRetriesPerRequest: null });
    this.writer = new Redis(config.url, { lazyConnect: true, maxRetriesPerRequest: null });
    for (const client of [this.reader, this.writer]) {
      client.on('error', (error: Error) => logger.debug({ err: error, source: config.name }, 'redis source connection error'));
    }
    this.ready = this.start();
    this.ready.catch((error: unknown) => logger.error({ err: error, source: config.name }, 'Redis source failed to start'));
  }

  get name(): string {
    return this.config.name;
  }

  private async start(): Promise<void> {
    const { stream, group, startId } = this.config;
    try {
      await this.writer.xgroup('CREATE', stream, group, startId, 'MKSTREAM');
    } catch (error) {
      if (!/BUSYGROUP/.test((error as Error).message)) throw error;
    }
    this.running = this.consume();
    this.logger.info({ source: this.config.name, stream, group, consumer: this.consumer }, 'source subscribed');
  }

  private async consume(): Promise<void> {
    const { stream, group, field, concurrency } = this.config;
    // First this consumer's own entries left unacknowledged by a previous run, then new ones.
    let from = '0';
    while (!this.closed) {
      let reply: StreamReply;
      try {
        reply = (await this.reader.xreadgroup('GROUP', group, this.consumer, 'COUNT', concurrency, 'BLOCK', 1_000, 'STREAMS', stream, from)) as StreamReply;
      } catch (error) {
        if (this.closed) return;
        this.logger.warn({ err: error, source: this.config.name }, 'XREADGROUP failed; trying again');
        await sleep(1_000);
        continue;
      }
      const entries = reply?.[0]?.[1] ?? [];
      if (from !== '>' && entries.length === 0) {
        from = '>';
        continue;
      }
      for (const [id, fields] of entries) {
        const index = fields.findIndex((name, i) => i % 2 === 0 && name === field);
        const done =
          index >= 0
            ? (await this.handler.submit(Buffer.from(fields[index + 1] ?? '', 'utf8'), stream)).done
            : this.handler.reject(Buffer.from(JSON.stringify(fields), 'utf8'), stream, `stream entry ${id} has no field '${field}'`);
        // An entry whose outcome was not kept stays pending, so it is read again at the next start.
        const ack = done
          .then(async (kept) => {
            if (kept) await this.writer.xack(stream, group, id);
          })
          .catch((error: unknown) => this.logger.error({ err: error, source: this.config.name, id }, 'entry left unacknowledged'));
        this.acks.add(ack);
        void ack.finally(() => this.acks.delete(ack));
        if (from !== '>') from = id;
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.ready.catch(() => undefined);
    this.reader.disconnect();
    await this.running;
    await this.handler.drain();
    await Promise.allSettled([...this.acks]);
    this.writer.disconnect();
  }
}
