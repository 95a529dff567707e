import { pino, type Logger } from 'pino';
import { activeTraceIds } from '../telemetry/grpc-tracing.js';

export type { Logger };

/**
 * A JSON logger on stdout; `service` is on every line, and `trace_id`/`span_id` on every
 * line written while a call's span is active.
 */
export function createLogger(service: string, level: string = 'info'): Logger {
  return pino({ level, base: { service, pid: process.pid }, mixin: activeTraceIds });
}

/** A logger that writes nothing, for tests and embedding. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
