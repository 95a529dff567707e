/** The registry in the test's process over a temporary data folder, for the CLI's and placement's tests. */
import { silentLogger } from '@infermesh/common';
import { createRegistry, type RunningRegistry } from '@infermesh/registry';
import { createRunner, type Runner } from '@infermesh/runners';
import { startInProcessRegistry as startWith, type InProcessRegistry as Handle } from '@infermesh/testkit';

/** A started registry, its client, and a way to restart it on the same folder. */
export type InProcessRegistry = Handle<RunningRegistry>;

export const startInProcessRegistry = (section: Record<string, unknown> = {}): Promise<InProcessRegistry> => startWith(createRegistry, section);

/** A CPU runner in the test's process that joins `registry`, serving `modelRepository` (the registry places the rest). */
export const startRunnerOf = (registry: InProcessRegistry, name: string, modelRepository: string): Promise<Runner> =>
  createRunner({
    name,
    device: 'cpu',
    host: '127.0.0.1',
    port: 0,
    modelRepository,
    dataDir: registry.dataDir,
    intraOpThreads: 1,
    maxMessageBytes: 1 << 26,
    maxTensorElements: 1 << 24,
    logger: silentLogger(),
    registry: registry.registry.address,
  });
