/**
 * NATS source: a core NATS subscription (optionally in a queue group). Core NATS keeps
 * nothing for a subscriber that is away, so messages published while the sink is down are
 * not seen; use a Redis stream source where that matters.
 */
import type { Logger, NatsSourceConfig } from '@infermesh/common';
import { connect, type NatsConnection, type Subscription } from 'nats';
import type { MessageHandler } from './MessageHandler.js';
import type { Source } from './Source.js';

export class NatsSource implements Source {
  readonly ready: Promise<void>;
  private connection: NatsConnection | undefined;
  private subscription: Subscription | undefined;
  private running: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly config: NatsSourceConfig,
    private readonly handler: MessageHandler,
    private readonly logger: Logger,
  ) {
    this.ready = this.start();
    // A source whose broker is down keeps trying (waitOnFirstConnect); `ready` tells when it is in.
    this.ready.catch((error: unknown) => logger.error({ err: error, source: config.name }, 'NATS source failed to start'));
  }

  get name(): string {
    return this.config.name;
  }

  private async start(): Promise<void> {
    const { servers, subject, queue, name } = this.config;
    this.connection = await connect({ servers, name: `infermesh-sink-source-${name}`, waitOnFirstConnect: true, maxReconnectAttempts: -1 });
    if (this.closed) {
      await this.connection.close();
      return;
    }
    this.subscription = this.connection.subscribe(subject, queue ? { queue } : {});
    // A round trip to the server, so the subscription is registered when `ready` resolves.
    await this.connection.flush();
    this.running = this.consume(this.subscription);
    this.logger.info({ source: name, subject, queue }, 'source subscribed');
  }

  private async consume(subscription: Subscription): Promise<void> {
    for await (const message of subscription) {
      // Waiting for a slot here leaves later messages in the client's buffer: backpressure.
      await this.handler.submit(message.data, message.subject);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.ready.catch(() => undefined);
    await this.subscription?.drain().catch(() => undefined);
    await this.running?.catch(() => undefined);
    await this.handler.drain();
    await this.connection?.close();
  }
}
