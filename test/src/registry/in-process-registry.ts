/** A registry in the test's process over a temporary data folder, for the CLI's and placement's tests (the registry's own tests have theirs). */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegistryClient } from '@infermesh/client';
import { parseRegistryConfig, silentLogger } from '@infermesh/common';
import { createRegistry, type RunningRegistry } from '@infermesh/registry';

/** A started registry, its client, and a way to restart it on the same folder. */
export interface InProcessRegistry {
  dataDir: string;
  registry: RunningRegistry;
  client: RegistryClient;
  /** Closes the registry and starts another on the same data folder (a new client too). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startInProcessRegistry(section: Record<string, unknown> = {}): Promise<InProcessRegistry> {
  const dataDir = await mkdtemp(join(tmpdir(), 'infermesh-registry-'));
  const config = parseRegistryConfig({ port: 0, ...section });
  const start = () => createRegistry({ config, dataDir, maxMessageBytes: 64 * 1024 * 1024, logger: silentLogger() });
  const handle: InProcessRegistry = {
    dataDir,
    registry: await start(),
    client: undefined as unknown as RegistryClient,
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
  handle.client = new RegistryClient(handle.registry.address);
  return handle;
}
