/** Builds a destination from its validated, resolved config entry, by the backend registered for its type. */
import { BackendRegistry, type Logger, type ResolvedDestinationConfig } from '@infermesh/common';
import type { Destination } from './Destination.js';
import { registerBuiltinDestinations, type DestinationBackends } from './register-builtin-destinations.js';

/** Destination backends by name; the built-ins are registered here. */
export const destinationBackends: DestinationBackends = new BackendRegistry('destination');
registerBuiltinDestinations(destinationBackends);

/** One destination; connections are opened on the first delivery, so a down server does not stop the sink starting. */
export function createDestination(config: ResolvedDestinationConfig, logger: Logger): Destination {
  return destinationBackends.create(config, logger);
}
