/** Builds a destination from its validated, resolved config entry. */
import type { Logger, ResolvedDestinationConfig } from '@infermesh/common';
import type { Destination } from './Destination.js';
import { HttpDestination } from './http-destination.js';
import { JsonlDestination } from './jsonl-destination.js';
import { NatsDestination } from './nats-destination.js';
import { PostgresDestination } from './postgres-destination.js';
import { RedisDestination } from './redis-destination.js';

/** One destination; connections are opened on the first delivery, so a down server does not stop the sink starting. */
export function createDestination(config: ResolvedDestinationConfig, logger: Logger): Destination {
  switch (config.type) {
    case 'jsonl':
      return new JsonlDestination(config);
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
