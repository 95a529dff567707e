/** Waits until the registry reports each version of a model on at least `replicas` runners. */
import type { RegistryClient } from '@infermesh/client';
import { waitFor } from '@infermesh/testkit';

export async function waitForVersionsOnRunners(registry: RegistryClient, model: string, versions: readonly number[], replicas: number, timeoutMs: number): Promise<void> {
  await waitFor(
    async () => {
      const found = await registry.getModel(model);
      return versions.every((v) => (found.versions.find((entry) => entry.version === v)?.runners.length ?? 0) >= replicas);
    },
    timeoutMs,
    `${model} versions ${versions.join(', ')} ready on ${replicas} runner(s)`,
  );
}
