/** Registers the destinations infermesh ships with. */
import type { BackendRegistry, Logger, ResolvedDestinationConfig } from '@infermesh/common';
import type { Destination } from './Destination.js';
import { HttpDestination } from './http-destination.js';
import { JsonlDestination } from './jsonl-destination.js';
import { NatsDestination } from './nats-destination.js';
import { PostgresDestination } from './postgres-destination.js';
import { RedisDestination } from './redis-destination.js';

/** The destination backends, by the `type` of a destination entry; each gets the sink's logger. */
export type DestinationBackends = BackendRegistry<ResolvedDestinationConfig, [logger: Logger], Destination>;

/** Registers jsonl, http, postgres, redis and nats. */
export function registerBuiltinDestinations(destinations: DestinationBackends): void {
  destinations.register('jsonl', (config) => new JsonlDestination(config));
  destinations.register('http', (config) => new HttpDestination(config));
  destinations.register('postgres', (config, logger) => new PostgresDestination(config, logger));
  destinations.register('redis', (config, logger) => new RedisDestination(config, logger));
  destinations.register('nats', (config, logger) => new NatsDestination(config, logger));
}
