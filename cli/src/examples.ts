/**
 * The local mesh's example models in the registry: every `<model>/<version>/model.onnx` of
 * the data folder's example repository is registered (again: the registry answers an
 * unchanged version as it is), and a model without a stable version gets its oldest one.
 * A rollout the user changed is left as it is.
 */
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { status } from '@grpc/grpc-js';
import type { RegistryClient } from '@infermesh/client';
import { scanModelRepository } from '@infermesh/common';
import { versionOf } from './format/index.js';

/** Who the registry's history names for these changes. */
const ACTOR = 'infermesh up';

/** Registers the examples; returns each model with its stable version. */
export async function registerExamples(client: RegistryClient, repository: string, log: (line: string) => void): Promise<Map<string, number>> {
  const { models } = await scanModelRepository(repository);
  for (const source of models) {
    const configYaml = source.configPath ? await readFile(source.configPath, 'utf8') : '';
    try {
      // Uploaded, not named by path: the registry takes paths only from folders its config allows.
      const { created } = await client.pushVersion({ model: source.name, version: Number(source.version), config_yaml: configYaml, actor: ACTOR }, source.modelPath);
      if (created) log(`registered example ${source.name} v${source.version}`);
    } catch (error) {
      // The user registered other bytes under this number: theirs stay.
      if ((error as { code?: number }).code !== status.ALREADY_EXISTS) throw error;
    }
  }
  const stable = new Map<string, number>();
  for (const name of new Set(models.map((m) => m.name))) {
    const model = await client.getModel(name);
    let version = model.rollout?.stable_version ?? 0;
    if (version === 0) {
      version = Math.min(...models.filter((m) => m.name === name).map((m) => Number(m.version)));
      await client.setRollout(name, { stable_version: version }, ['stable_version'], { actor: ACTOR, reason: 'example model' });
      log(`${name}: stable v${version}`);
    }
    stable.set(name, version);
  }
  return stable;
}

/** Resolves once every model's stable version is ready on some runner. */
export async function waitUntilServing(client: RegistryClient, stable: ReadonlyMap<string, number>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const [name, version] of stable) {
    for (;;) {
      const found = versionOf(await client.getModel(name), version);
      if ((found?.runners.length ?? 0) > 0) break;
      if (Date.now() > deadline) throw new Error(`${name} v${version} is not ready on any runner after ${timeoutMs / 1000} s: ${found?.status_reason || found?.status}`);
      await sleep(200);
    }
  }
}
