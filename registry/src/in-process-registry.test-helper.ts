/** The registry in the test's process over a temporary data folder, for tests of its API. */
import { startInProcessRegistry as startWith, type InProcessRegistry as Handle } from '@infermesh/testkit';
import { createRegistry, type RunningRegistry } from './create-registry.js';

/** A started registry, its client, and a way to restart it on the same folder. */
export type InProcessRegistry = Handle<RunningRegistry>;

export const startInProcessRegistry = (section: Record<string, unknown> = {}): Promise<InProcessRegistry> => startWith(createRegistry, section);
