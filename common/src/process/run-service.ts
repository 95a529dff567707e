/** Runs a service as a process: starts it, announces its address, stops it cleanly on a signal. */
import type { Logger } from '../log/logger.js';

/** What a `createX(config)` factory returns. */
export interface RunningService {
  /** host:port the service listens on. */
  address: string;
  close(): Promise<void>;
}

/**
 * Starts the service. Logs `listening` with the address (the local launcher and the
 * end-to-end tests read that line), closes on SIGINT/SIGTERM and exits 0; a failed start
 * logs the reason and exits 1.
 */
export async function runService(logger: Logger, start: () => Promise<RunningService>): Promise<void> {
  let service: RunningService;
  try {
    service = await start();
  } catch (error) {
    logger.fatal({ err: error }, `failed to start: ${(error as Error).message}`);
    process.exitCode = 1;
    return;
  }
  logger.info({ address: service.address }, 'listening');

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    service.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception');
    process.exit(1);
  });
}
