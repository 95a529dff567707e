/** Registers the sources infermesh ships with. */
import type { BackendRegistry, Logger, SourceConfig } from '@infermesh/common';
import type { MessageHandler } from './MessageHandler.js';
import { MqttSource } from './mqtt-source.js';
import { NatsSource } from './nats-source.js';
import { RedisSource } from './redis-source.js';
import type { Source } from './Source.js';

/** The source backends, by the `type` of a source entry; each gets the message handler and the sink's logger. */
export type SourceBackends = BackendRegistry<SourceConfig, [handler: MessageHandler, logger: Logger], Source>;

/** Registers redis, nats and mqtt. */
export function registerBuiltinSources(sources: SourceBackends): void {
  sources.register('redis', (config, handler, logger) => new RedisSource(config, handler, logger));
  sources.register('nats', (config, handler, logger) => new NatsSource(config, handler, logger));
  sources.register('mqtt', (config, handler, logger) => new MqttSource(config, handler, logger));
}
