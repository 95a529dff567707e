/**
 * Services started in the test's own process with test defaults (free ports, silent logs).
 * The test kit imports no service, so the caller passes the service's factory: the
 * registry's own tests and the cross-package tests share one helper.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegistryClient } from '@infermesh/client';
import { parseRegistryConfig, silentLogger, type Logger, type RegistrySettings, type RunnerSettings } from '@infermesh/common';

/** A started in-process service: what the helpers need of it. */
interface Closable {
  address: string;
  close(): Promise<void>;
}

/** A started registry, its client, and a way to restart it on the same folder. */
export interface InProcessRegistry<R extends Closable> {
  dataDir: string;
  registry: R;
  client: RegistryClient;
  /** Closes the registry and starts another on the same data folder (a new client too). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** Starts `createRegistry` over a temporary data folder with the `registry:` keys of `section` (port 0 unless given). */
export async function startInProcessRegistry<R extends Closable>(
  createRegistry: (settings: RegistrySettings & { logger: Logger }) => Promise<R>,
  section: Record<string, unknown> = {},
): Promise<InProcessRegistry<R>> {
  const dataDir = await mkdtemp(join(tmpdir(), 'infermesh-registry-'));
  const config = parseRegistryConfig({ port: 0, ...section });
  const start = () => createRegistry({ config, dataDir, maxMessageBytes: 64 * 1024 * 1024, logger: silentLogger() });
  const registry = await start();
  const handle: InProcessRegistry<R> = {
    dataDir,
    registry,
    client: new RegistryClient(registry.address),
    async restart() {
      handle.client.close();
      await handle.registry.close();
      handle.registry = await start();
      handle.client = new RegistryClient(handle.registry.address);
    },
    async close() {
      handle.client.close();
      await handle.registry.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return handle;
}

/** A CPU runner's settings over `modelRepository` for an in-process runner: free port, one ORT thread, no metrics server. */
export function inProcessRunnerSettings(modelRepository: string): Omit<RunnerSettings, 'metricsPort'> & { logger: Logger } {
  return {
    name: 'cpu-0',
    device: 'cpu',
    host: '127.0.0.1',
    port: 0,
    modelRepository,
    dataDir: modelRepository,
    intraOpThreads: 1,
    maxMessageBytes: 1 << 26,
    maxTensorElements: 1 << 24,
    logger: silentLogger(),
  };
}
