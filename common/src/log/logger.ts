import { pino, type Logger } from 'pino';

export type { Logger };

/** A JSON logger on stdout; `service` is on every line. */
export function createLogger(service: string, level: string = 'info'): Logger {
  return pino({ level, base: { service, pid: process.pid } });
}

/** A logger that writes nothing, for tests and embedding. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
