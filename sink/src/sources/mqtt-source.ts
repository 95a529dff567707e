/**
 * MQTT source: subscribes to a topic (wildcards allowed) on a broker such as Mosquitto. A
 * QoS 1/2 message is acknowledged to the broker once the sink has started on it, and the
 * client takes the next message only then, so a slow gateway slows the broker's delivery
 * instead of filling memory. The client speaks MQTT 5 and tells the broker the largest
 * packet it takes (the source's maxMessageBytes and room for the topic and properties): a
 * bigger message is dropped by the broker, never loaded here.
 */
import type { Logger, MqttSourceConfig } from '@infermesh/common';
import mqtt, { type MqttClient } from 'mqtt';
import type { MessageHandler } from './MessageHandler.js';
import type { Source } from './Source.js';

/** Bytes of a PUBLISH packet besides its payload, at most: fixed header, topic (up to 64 KiB) and properties. */
const PACKET_OVERHEAD_BYTES = 128 * 1024;

export class MqttSource implements Source {
  readonly ready: Promise<void>;
  private readonly client: MqttClient;

  constructor(
    private readonly config: MqttSourceConfig,
    private readonly handler: MessageHandler,
    logger: Logger,
  ) {
    this.client = mqtt.connect(config.url, {
      clientId: config.clientId ?? `infermesh-sink-${config.name}-${process.pid}`,
      clean: true,
      protocolVersion: 5,
      properties: { maximumPacketSize: config.maxMessageBytes + PACKET_OVERHEAD_BYTES },
      reconnectPeriod: 1_000,
      connectTimeout: 10_000,
    });
    this.client.handleMessage = (packet, callback) => {
      this.handler.submit(packet.payload as Buffer, packet.topic).then(
        () => callback(),
        (error: unknown) => callback(error as Error),
      );
    };
    this.client.on('error', (error) => logger.warn({ err: error, source: config.name }, 'MQTT source error'));
    this.ready = new Promise<void>((resolve) => {
      // Subscribing again after every (re)connect: a clean session forgets subscriptions.
      this.client.on('connect', () => {
        this.client.subscribe(config.topic, { qos: config.qos }, (error) => {
          if (error) {
            logger.error({ err: error, source: config.name, topic: config.topic }, 'MQTT subscribe failed');
            return;
          }
          logger.info({ source: config.name, topic: config.topic }, 'source subscribed');
          resolve();
        });
      });
    });
  }

  get name(): string {
    return this.config.name;
  }

  async close(): Promise<void> {
    await this.client.endAsync();
    await this.handler.drain();
  }
}
