/** The registry's /metrics: versions per status, rollouts, rollout events and rollbacks by reason, placements; promtool-clean. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lintExposition, metricValue, mlpModel, scrape, simpleModel } from '@infermesh/testkit';
import { startInProcessRegistry, type InProcessRegistry } from '../in-process-registry.test-helper.js';

let registry: InProcessRegistry;

beforeAll(async () => {
  registry = await startInProcessRegistry({ metricsPort: 0, artifacts: { allowedDirs: ['.'] } });
}, 60_000);

afterAll(() => registry?.close());

describe('registry metrics', () => {
  it('exports versions, rollouts, events, rollbacks and placements', async () => {
    const { client } = registry;
    for (const [version, bytes] of [mlpModel(1), mlpModel(2), simpleModel()].entries()) {
      const file = join(registry.dataDir, `mlp-${version + 1}.onnx`);
      await writeFile(file, bytes);
      await client.registerVersion({ model: 'mlp', version: version + 1, artifact: file });
    }
    await client.setRollout('mlp', { stable_version: 1 }, ['stable_version']);
    await client.setRollout('mlp', { canary_version: 2, canary_weight_bp: 2_500 }, ['canary_version', 'canary_weight_bp']);
    let text = await scrape(registry.registry.metricsAddress!);
    const series = (name: string, labels: Record<string, string> = {}) => metricValue(text, name, { service: 'registry', ...labels });
    expect(series('infermesh_registry_rollout_stable_version', { model: 'mlp' })).toBe(1);
    expect(series('infermesh_registry_rollout_canary_version', { model: 'mlp' })).toBe(2);
    expect(series('infermesh_registry_rollout_canary_weight_ratio', { model: 'mlp' })).toBe(0.25);
    expect(series('infermesh_registry_rollout_events_total', { model: 'mlp', action: 'SET' })).toBe(2);
    expect(series('infermesh_registry_version_runners', { model: 'mlp', version: '1' })).toBe(0);
    expect(series('infermesh_registry_runners', { state: 'live' })).toBe(0);
    const statuses = ['registered', 'loading', 'ready', 'serving', 'retired', 'failed'].map((status) => series('infermesh_registry_versions', { model: 'mlp', status }) ?? NaN);
    expect(statuses.reduce((a, b) => a + b)).toBe(3);

    await client.rollback('mlp', { actor: 'test', reason: 'looks wrong' });
    await client.retireVersion('mlp', 3, { actor: 'test', reason: 'not needed' });
    text = await scrape(registry.registry.metricsAddress!);
    expect(series('infermesh_registry_rollbacks_total', { model: 'mlp', reason: 'manual' })).toBe(1);
    expect(series('infermesh_registry_rollout_events_total', { model: 'mlp', action: 'ROLLBACK' })).toBe(1);
    expect(series('infermesh_registry_rollout_events_total', { model: 'mlp', action: 'RETIRE' })).toBe(1);
    expect(series('infermesh_registry_rollout_events_total', { model: 'mlp', action: 'SET' })).toBe(2);
    expect(series('infermesh_registry_rollout_canary_version', { model: 'mlp' })).toBe(0);
    expect(series('infermesh_registry_versions', { model: 'mlp', status: 'retired' })).toBe(1);
    expect(series('infermesh_registry_versions', { model: 'mlp', status: 'failed' })).toBe(1);
    expect(series('infermesh_registry_version_runners', { model: 'mlp', version: '3' })).toBeUndefined();
    expect(lintExposition(text)).toEqual([]);
  });

  it('serves no /metrics unless metricsPort is set', async () => {
    const plain = await startInProcessRegistry();
    try {
      expect(plain.registry.metricsAddress).toBeUndefined();
    } finally {
      await plain.close();
    }
  });
});
