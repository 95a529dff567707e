/** Builds a destination from its validated config entry. */
import type { Logger } from '@infermesh/common';
import type { DestinationConfig } from './destination-config.js';
import type { Destination } from './Destination.js';
import { HttpDestination } from './http-destination.js';
import { JsonlDestination } from './jsonl-destination.js';
import { NatsDestination } from './nats-destination.js';
import { PostgresDestination } from './postgres-destination.js';
import { RedisDestination } from './redis-destination.js';

/** One destination; connections are opened on the first delivery, so a down server does not stop the sink starting. */
export function createDestination(config: DestinationConfig, logger: Logger): Destination {
  switch (config.type) {
    case 'jsonl':
      if (config.dir === undefined) throw new Error(`sink.destinations '${config.name}': dir was not resolved`);
      return new JsonlDestination({ ...config, dir: config.dir, prefix: config.prefix ?? config.name });
    case 'http':
      return new HttpDestination(config);
    case 'postgres':
      return new PostgresDestination(config, logger);
    case 'redis':
      return new RedisDestination(config, logger);
    case 'nats':
      return new NatsDestination(config, logger);
  }
}
