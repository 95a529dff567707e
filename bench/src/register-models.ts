/**
 * The bench mesh's models in its registry, the way `infermesh up` registers the examples:
 * every version of each named model in the repository, its oldest version stable and no
 * canary. (The CLI's own helper is out of the bench's reach: eslint.config.js layers.)
 */
import { readFile } from 'node:fs/promises';
import type { RegistryClient } from '@infermesh/client';
import { scanModelRepository } from '@infermesh/common';

/** Who the registry's history names for these changes. */
const ACTOR = 'infermesh bench';

/** Registers `models` from `repository`; returns each model with its stable version. */
export async function registerModels(client: RegistryClient, repository: string, models: readonly string[]): Promise<Map<string, number>> {
  const sources = (await scanModelRepository(repository)).models.filter((source) => models.includes(source.name));
  const stable = new Map<string, number>();
  for (const source of sources) {
    const config_yaml = source.configPath ? await readFile(source.configPath, 'utf8') : '';
    const version = Number(source.version);
    await client.pushVersion({ model: source.name, version, config_yaml, actor: ACTOR }, source.modelPath);
    stable.set(source.name, Math.min(version, stable.get(source.name) ?? version));
  }
  for (const name of models) {
    const version = stable.get(name);
    if (version === undefined) throw new Error(`no model '${name}' in ${repository}`);
    await client.setRollout(name, { stable_version: version }, ['stable_version'], { actor: ACTOR, reason: 'bench model' });
  }
  return stable;
}
