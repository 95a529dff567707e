/** Waits until the registry reports each version of a model on at least `replicas` runners. */
import type { RegistryClient } from '@infermesh/client';
import { pollUntil } from '@infermesh/testkit';

export async function waitForVersionsOnRunners(registry: RegistryClient, model: string, versions: readonly number[], replicas: number, timeoutMs: number): Promise<void> {
  await pollUntil(
    async () => {
      const found = await registry.getModel(model).catch(() => undefined);
      return found !== undefined && versions.every((v) => (found.versions.find((entry) => entry.version === v)?.runners.length ?? 0) >= replicas);
    },
    {
      timeoutMs,
      intervalMs: 50,
      what: `${model} versions ${versions.join(', ')} ready on ${replicas} runner(s)`,
      // A timeout says where each version stood, and which runners the registry knew.
      describe: async () => {
        const [found, status] = await Promise.all([registry.getModel(model).catch((error: unknown) => String(error)), registry.listRunners().catch((error: unknown) => String(error))]);
        return { model: found, runners: status };
      },
    },
  );
}
