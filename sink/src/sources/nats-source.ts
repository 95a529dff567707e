/**
 * NATS source: a core NATS subscription (optionally in a queue group). Core NATS keeps
 * nothing for a subscriber that is away, so messages published while the sink is down are
 * not seen; use a Redis stream source where that matters. Core NATS has no flow control
 * either: messages that arrive while every call slot is busy wait here, up to
 * `maxPendingMessages` and `maxPendingBytes`; past them a message is dead-lettered.
 */
import type { Logger, NatsSourceConfig } from '@infermesh/common';
import { connect, type Msg, type NatsConnection, type Subscription } from 'nats';
import type { MessageHandler } from './MessageHandler.js';
import type { Source } from './Source.js';

export class NatsSource implements Source {
  readonly ready: Promise<void>;
  private connection: NatsConnection | undefined;
  private subscription: Subscription | undefined;
  private running: Promise<void> | undefined;
  private closed = false;
  /** Messages received and not yet submitted, oldest first, and their bytes. */
  private readonly pending: Msg[] = [];
  private pendingBytes = 0;
  private submitting = false;
  private readonly rejections = new Set<Promise<boolean>>();

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
    this.subscription = this.connection.subscribe(subject, {
      ...(queue ? { queue } : {}),
      callback: (error, message) => {
        if (error) this.logger.warn({ err: error, source: name }, 'NATS subscription error');
        else this.take(message);
      },
    });
    // A round trip to the server, so the subscription is registered when `ready` resolves.
    await this.connection.flush();
    this.logger.info({ source: name, subject, queue }, 'source subscribed');
  }

  /** Queues a message for the handler, or dead-letters it when the queue is at its bounds. */
  private take(message: Msg): void {
    const { maxPendingMessages, maxPendingBytes } = this.config;
    const bytes = message.data.byteLength;
    if (this.pending.length >= maxPendingMessages || this.pendingBytes + bytes > maxPendingBytes) {
      const reason = `the source's queue is full (${this.pending.length} messages, ${this.pendingBytes} bytes waiting; maxPendingMessages ${maxPendingMessages}, maxPendingBytes ${maxPendingBytes})`;
      const rejection = this.handler.reject(message.data, message.subject, reason);
      this.rejections.add(rejection);
      void rejection.finally(() => this.rejections.delete(rejection));
      return;
    }
    this.pending.push(message);
    this.pendingBytes += bytes;
    if (!this.submitting) this.running = this.submitPending();
  }

  /** Hands the queued messages to the handler one after another, each once it has a call slot. */
  private async submitPending(): Promise<void> {
    this.submitting = true;
    try {
      for (let message = this.pending.shift(); message; message = this.pending.shift()) {
        this.pendingBytes -= message.data.byteLength;
        await this.handler.submit(message.data, message.subject);
      }
    } finally {
      // Cleared in the same turn as the last check of the queue, so no message is left behind.
      this.submitting = false;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.ready.catch(() => undefined);
    await this.subscription?.drain().catch(() => undefined);
    await this.running?.catch(() => undefined);
    await this.handler.drain();
    await Promise.allSettled([...this.rejections]);
    await this.connection?.close();
  }
}
