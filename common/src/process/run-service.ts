/** Runs a service as a process: starts it, announces its address, stops it cleanly on a signal. */
import { fstatSync } from 'node:fs';
import { exitsWithParent } from '../config/env.js';
import type { Logger } from '../log/logger.js';

/** What a `createX(config)` factory returns. */
export interface RunningService {
  /** host:port the service listens on. */
  address: string;
  close(): Promise<void>;
}

/** How long a service whose parent died may take to close before it exits anyway. */
const PARENT_GONE_CLOSE_MS = 10_000;

/**
 * Starts the service. Logs `listening` with the address (the local launcher and the
 * end-to-end tests read that line), closes on SIGINT/SIGTERM and exits 0. A failed start
 * logs the reason (`fatal`, `failed to start: ...`) and exits 1 at once: whatever the
 * factory had opened before it failed (a gRPC server bound before the HTTP port was found
 * taken) goes with the process instead of keeping it alive. A child of {@link spawnService}
 * also stops when its parent dies, so that no runner outlives its supervisor holding its port.
 */
export async function runService(logger: Logger, start: () => Promise<RunningService>): Promise<void> {
  let service: RunningService | undefined;
  let stopping = false;
  const stop = (reason: string, graceMs?: number) => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason }, 'stopping');
    if (!service) process.exit(1);
    if (graceMs !== undefined) setTimeout(() => process.exit(1), graceMs).unref();
    service.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  if (exitsWithParent()) watchParent(() => stop('parent process exited', PARENT_GONE_CLOSE_MS));

  try {
    service = await start();
  } catch (error) {
    logger.fatal({ err: error }, `failed to start: ${(error as Error).message}`);
    process.exit(1);
  }
  logger.info({ address: service.address }, 'listening');

  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception');
    process.exit(1);
  });
}

/** Calls `gone` when stdin, a pipe from the parent, closes; does nothing when stdin is no pipe. */
function watchParent(gone: () => void): void {
  let pipe = false;
  try {
    const stat = fstatSync(0);
    pipe = stat.isFIFO() || stat.isSocket();
  } catch {
    // No stdin at all.
  }
  if (!pipe) return;
  process.stdin.on('data', () => {});
  process.stdin.once('end', gone);
  process.stdin.once('close', gone);
  process.stdin.on('error', gone);
}
