/** Builds a source from its validated config entry, by the backend registered for its type. */
import { BackendRegistry, type Logger, type SourceConfig } from '@infermesh/common';
import type { MessageHandler } from './MessageHandler.js';
import { registerBuiltinSources, type SourceBackends } from './register-builtin-sources.js';
import type { Source } from './Source.js';

/** Source backends by name; the built-ins are registered here. */
export const sourceBackends: SourceBackends = new BackendRegistry('source');
registerBuiltinSources(sourceBackends);

/** Starts one source; it connects in the background and keeps trying while its broker is down. */
export function createSource(config: SourceConfig, handler: MessageHandler, logger: Logger): Source {
  return sourceBackends.create(config, handler, logger);
}
