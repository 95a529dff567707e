import { describe, expect, it } from 'vitest';
import { silentLogger } from '@infermesh/common';
import type { VersionStats__Output } from '@infermesh/proto/registry';
import type { Registry } from '../Registry.js';
import { modelRecord, operation } from '../state/test-fixtures.test-helper.js';
import { CanaryWatch } from './CanaryWatch.js';

const stats = (model: string, version = 1): VersionStats__Output => ({ model, version, requests: '10', errors: '0', invalid_arguments: '0', latency: [{ le_ms: 1, count: '10' }], agreement: null });

describe('CanaryWatch', () => {
  it('keeps the calls of the models the registry has, and drops the others', () => {
    const registry = { current: { models: { mlp: modelRecord('mlp', 1) }, runners: {} } } as unknown as Registry;
    const watch = new CanaryWatch(registry, () => operation(), silentLogger());
    watch.report({ gateway: 'g', stats: [stats('mlp'), stats('unknown'), stats('constructor')], shadow_stats: [] });
    expect(watch.window.summary('mlp', 1, 60_000).requests).toBe(10);
    expect(watch.window.summary('unknown', 1, 60_000).requests).toBe(0);
    expect(watch.window.summary('constructor', 1, 60_000).requests).toBe(0);
  });

  it('keeps calls only for versions the registry has: made-up versions leave nothing behind', () => {
    const registry = { current: { models: { mlp: modelRecord('mlp', 2) }, runners: {} } } as unknown as Registry;
    const watch = new CanaryWatch(registry, () => operation(), silentLogger());
    for (let round = 0; round < 5; round++) {
      watch.report({ gateway: 'g', stats: [stats('mlp', 2), ...Array.from({ length: 10_000 }, (_, i) => stats('mlp', 100 + round * 10_000 + i))], shadow_stats: [] });
    }
    expect(watch.window.size).toBe(1);
    expect(watch.window.summary('mlp', 2, 60_000).requests).toBe(50);
    expect(watch.window.summary('mlp', 100, 60_000).requests).toBe(0);
  });

  it('drops the calls of a version once the registry no longer has it', () => {
    const models: Record<string, ReturnType<typeof modelRecord>> = { mlp: modelRecord('mlp', 2) };
    const registry = { current: { models, runners: {} } } as unknown as Registry;
    const watch = new CanaryWatch(registry, () => operation(), silentLogger());
    watch.report({ gateway: 'g', stats: [stats('mlp', 1), stats('mlp', 2)], shadow_stats: [] });
    expect(watch.window.size).toBe(2);
    models.mlp!.versions = models.mlp!.versions.filter((v) => v.version !== 1);
    watch.versionsChanged();
    expect(watch.window.size).toBe(1);
    expect(watch.window.summary('mlp', 2, 60_000).requests).toBe(10);
    delete models.mlp;
    watch.versionsChanged();
    expect(watch.window.size).toBe(0);
  });
});
