/**
 * Redis stream source: a consumer group reader. An entry is acknowledged (XACK) once it has
 * its outcome, so entries in hand when the sink dies are read again (its own pending
 * entries first) when it comes back: at least once. Entries are read by a script in Redis
 * that sends a field value over the source's maxMessageBytes as its size only, so a huge
 * value is dead-lettered without being loaded; the script cannot block, so an idle stream is
 * polled every IDLE_POLL_MS.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger, RedisSourceConfig } from '@infermesh/common';
import { Redis } from 'ioredis';
import type { MessageHandler } from './MessageHandler.js';
import type { Source } from './Source.js';

type Entries = [id: string, fields: string[] | null][];

/** How long an idle stream waits before it is read again. */
const IDLE_POLL_MS = 100;
/** Starts a field value the script replaced by its size; no JSON message starts with NUL. */
const OVERSIZE = '\u0000infermesh-oversize:';

/** XREADGROUP (KEYS[1] the stream; group, consumer, count, from, max bytes) with oversized values replaced by their size. */
const READ_SCRIPT = `
local reply = redis.call('XREADGROUP', 'GROUP', ARGV[1], ARGV[2], 'COUNT', ARGV[3], 'STREAMS', KEYS[1], ARGV[4])
if not reply then return {} end
local max = tonumber(ARGV[5])
local entries = reply[1][2]
for _, entry in ipairs(entries) do
  local fields = entry[2]
  if fields then
    for i = 2, #fields, 2 do
      local size = string.len(fields[i])
      if size > max then fields[i] = '${OVERSIZE}' .. size end
    end
  end
end
return entries
`;

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
      let entries: Entries;
      try {
        entries = (await this.reader.eval(READ_SCRIPT, 1, stream, group, this.consumer, concurrency, from, this.config.maxMessageBytes)) as Entries;
      } catch (error) {
        if (this.closed) return;
        this.logger.warn({ err: error, source: this.config.name }, 'XREADGROUP failed; trying again');
        await sleep(1_000);
        continue;
      }
      if (entries.length === 0) {
        if (from !== '>') from = '>';
        else await sleep(IDLE_POLL_MS);
        continue;
      }
      for (const [id, fields] of entries) {
        const index = (fields ?? []).findIndex((name, i) => i % 2 === 0 && name === field);
        const value = index >= 0 ? (fields![index + 1] ?? '') : undefined;
        const done =
          value === undefined
            ? this.handler.reject(Buffer.from(JSON.stringify(fields), 'utf8'), stream, `stream entry ${id} has no field '${field}'`)
            : value.startsWith(OVERSIZE)
              ? this.handler.reject(
                  Buffer.alloc(0),
                  stream,
                  `stream entry ${id}: field '${field}' is ${value.slice(OVERSIZE.length)} bytes, over the source's maxMessageBytes of ${this.config.maxMessageBytes}; not read`,
                )
              : (await this.handler.submit(Buffer.from(value, 'utf8'), stream)).done;
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
