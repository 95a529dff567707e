import { describe, expect, it } from 'vitest';
import { parseRegistryConfig, POLICY_LIMITS } from '@infermesh/common';
import { setRollout } from './rollout-operations.js';
import { modelRecord, operation } from './test-fixtures.test-helper.js';

/** The policy keys, each with a value just over its range. */
const overLimit = Object.entries(POLICY_LIMITS).map(([key, range]) => [key, range.max + 1] as const);

describe('rollback policy limits', () => {
  it('are the same for the config file and for SetRollout', () => {
    const within = parseRegistryConfig({ rollbackPolicy: Object.fromEntries(Object.entries(POLICY_LIMITS).map(([key, range]) => [key, range.max])) }).rollbackPolicy;
    const model = modelRecord('mlp', 1);
    setRollout(model, { stableVersion: 1, policy: within }, operation());
    expect(model.rollout.policy).toEqual(within);

    for (const [key, value] of overLimit) {
      expect(() => parseRegistryConfig({ rollbackPolicy: { [key]: value } }), key).toThrowError(`registry.rollbackPolicy.${key}`);
      expect(() => setRollout(model, { policy: { ...within, [key]: value } }, operation()), key).toThrowError(/^policy\./);
    }
  });
});
