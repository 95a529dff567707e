import { pino, type DestinationStream, type Logger } from 'pino';
import { activeTraceIds } from '../telemetry/grpc-tracing.js';

export type { Logger };

/**
 * A JSON logger on stdout; `service` is on every line, and `trace_id`/`span_id` on every
 * line written while a call's span is active. `destination` replaces stdout (tests read it).
 */
export function createLogger(service: string, level: string = 'info', destination?: DestinationStream): Logger {
  const options = { level, base: { service, pid: process.pid }, mixin: activeTraceIds };
  return destination ? pino(options, destination) : pino(options);
}

/** A logger that writes nothing, for tests and embedding. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
