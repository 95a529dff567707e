/**
 * nats destination: JetStream publish with the record id as the message id, so JetStream
 * drops a copy published again within the stream's duplicate window. A record counts as
 * delivered only once the stream has acknowledged it (each publish waits for its PubAck,
 * checked to come from the configured stream). The stream is created (subject, duplicate
 * window) if missing. Durability is the server's: JetStream file storage fsyncs on its
 * sync_interval, so an acknowledged message can be lost to a power cut of a single-node
 * server; a replicated stream (R3) acks only once a quorum holds it.
 */
import type { Logger, NatsConfig } from '@infermesh/common';
import { connect, nanos, type JetStreamClient, type NatsConnection } from 'nats';
import { DeliveryError } from '../delivery/DeliveryError.js';
import type { DeliveryItem, Destination } from './Destination.js';

const encoder = new TextEncoder();

export class NatsDestination implements Destination {
  private connection: Promise<{ nc: NatsConnection; js: JetStreamClient }> | undefined;

  constructor(
    private readonly config: NatsConfig,
    private readonly logger: Logger,
  ) {}

  async deliver(items: readonly DeliveryItem[], _signal?: AbortSignal): Promise<void> {
    const { subject, stream, timeoutMs } = this.config;
    try {
      const { js } = await (this.connection ??= this.connect().catch((error: unknown) => {
        this.connection = undefined;
        throw error;
      }));
      // Publishes of one batch overlap; each waits for its own ack from the stream.
      await Promise.all(
        items.map((item) => js.publish(subject, encoder.encode(item.json), { msgID: item.id, timeout: timeoutMs, expect: { streamName: stream } })),
      );
    } catch (error) {
      throw new DeliveryError(`nats ${stream}: ${(error as Error).message}`, true, { cause: error });
    }
  }

  async close(): Promise<void> {
    const connection = await this.connection?.catch(() => undefined);
    this.connection = undefined;
    await connection?.nc.close();
  }

  private async connect(): Promise<{ nc: NatsConnection; js: JetStreamClient }> {
    const { servers, subject, stream, duplicateWindowMs, timeoutMs, name } = this.config;
    const nc = await connect({ servers, name: `infermesh-sink-${name}`, timeout: timeoutMs, maxReconnectAttempts: -1, reconnectTimeWait: 1_000 });
    try {
      const jsm = await nc.jetstreamManager({ timeout: timeoutMs });
      try {
        await jsm.streams.info(stream);
      } catch (error) {
        if (!/stream not found/i.test((error as Error).message)) throw error;
        await jsm.streams.add({ name: stream, subjects: [subject], duplicate_window: nanos(duplicateWindowMs) });
        this.logger.info({ destination: name, stream, subject }, 'created JetStream stream');
      }
      return { nc, js: nc.jetstream({ timeout: timeoutMs }) };
    } catch (error) {
      await nc.close();
      throw error;
    }
  }
}
