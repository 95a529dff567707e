/** Builds a source from its validated config entry. */
import type { Logger, SourceConfig } from '@infermesh/common';
import type { MessageHandler } from './MessageHandler.js';
import { MqttSource } from './mqtt-source.js';
import { NatsSource } from './nats-source.js';
import { RedisSource } from './redis-source.js';
import type { Source } from './Source.js';

/** Starts one source; it connects in the background and keeps trying while its broker is down. */
export function createSource(config: SourceConfig, handler: MessageHandler, logger: Logger): Source {
  switch (config.type) {
    case 'nats':
      return new NatsSource(config, handler, logger);
    case 'mqtt':
      return new MqttSource(config, handler, logger);
    case 'redis':
      return new RedisSource(config, handler, logger);
  }
}
