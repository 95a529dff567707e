import { describe, expect, it } from 'vitest';
import { silentLogger } from '@infermesh/common';
import type { VersionStats__Output } from '@infermesh/proto/registry';
import type { Registry } from '../Registry.js';
import { modelRecord, operation } from '../state/test-fixtures.test-helper.js';
import { CanaryWatch } from './CanaryWatch.js';

const stats = (model: string): VersionStats__Output => ({ model, version: 1, requests: '10', errors: '0', invalid_arguments: '0', latency: [{ le_ms: 1, count: '10' }] });

describe('CanaryWatch', () => {
  it('keeps the calls of the models the registry has, and drops the others', () => {
    const registry = { current: { models: { mlp: modelRecord('mlp', 1) }, runners: {} } } as unknown as Registry;
    const watch = new CanaryWatch(registry, () => operation(), silentLogger());
    watch.report({ gateway: 'g', stats: [stats('mlp'), stats('unknown'), stats('constructor')] });
    expect(watch.window.summary('mlp', 1, 60_000).requests).toBe(10);
    expect(watch.window.summary('unknown', 1, 60_000).requests).toBe(0);
    expect(watch.window.summary('constructor', 1, 60_000).requests).toBe(0);
  });
});
