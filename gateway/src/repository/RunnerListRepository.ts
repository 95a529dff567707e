/** The repository of a gateway without a registry: what its static runners hold; no load or unload. */
import { ServiceError } from '@infermesh/common';
import { byNameThenVersion } from '../model-version-order.js';
import type { RunnerPool } from '../RunnerPool.js';
import type { ModelIndexEntry, ModelRepository } from './ModelRepository.js';

const STATIC =
  'this gateway routes to a fixed runner list (no gateway.registry); loading and unloading models goes through the registry';

/** A runner's state in Triton's words. */
const TRITON_STATE: Record<string, string> = { READY: 'READY', LOADING: 'LOADING', UNLOADING: 'UNLOADING', FAILED: 'UNAVAILABLE' };

export class RunnerListRepository implements ModelRepository {
  constructor(private readonly pool: RunnerPool) {}

  index(readyOnly: boolean): Promise<ModelIndexEntry[]> {
    // READY on one runner wins over another runner's state for the same version.
    const entries = new Map<string, ModelIndexEntry>();
    for (const runner of this.pool.runners) {
      if (!runner.healthy) continue;
      for (const held of runner.status?.models ?? []) {
        const key = `${held.name}\u0000${held.version}`;
        if (entries.get(key)?.state === 'READY') continue;
        entries.set(key, { name: held.name, version: held.version, state: TRITON_STATE[held.state] ?? 'UNAVAILABLE', reason: held.reason });
      }
    }
    const all = [...entries.values()].sort(byNameThenVersion);
    return Promise.resolve(readyOnly ? all.filter((entry) => entry.state === 'READY') : all);
  }

  load(): Promise<void> {
    return Promise.reject(ServiceError.failedPrecondition(STATIC));
  }

  unload(): Promise<void> {
    return Promise.reject(ServiceError.failedPrecondition(STATIC));
  }
}
