/** The registry in the test's process over a temporary data folder, for the CLI's and placement's tests. */
import { createRegistry, type RunningRegistry } from '@infermesh/registry';
import { startInProcessRegistry as startWith, type InProcessRegistry as Handle } from '@infermesh/testkit';

/** A started registry, its client, and a way to restart it on the same folder. */
export type InProcessRegistry = Handle<RunningRegistry>;

export const startInProcessRegistry = (section: Record<string, unknown> = {}): Promise<InProcessRegistry> => startWith(createRegistry, section);
