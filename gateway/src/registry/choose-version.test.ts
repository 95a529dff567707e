import { describe, expect, it } from 'vitest';
import { chooseVersion, stickyPoint, type RolloutRules } from './choose-version.js';

const rollout = (overrides: Partial<RolloutRules> = {}): RolloutRules => ({
  model: 'mlp',
  stable: '1',
  canary: '2',
  canaryWeightBp: 1_000,
  rules: [],
  stickyHeader: '',
  isServing: () => true,
  ...overrides,
});

const headers = (values: Record<string, string>) => (name: string) => values[name];

/** A seeded stream in [0, 1), so the shares below are exact for every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('chooseVersion', () => {
  it('sends calls to the canary by its weight, and to stable otherwise', () => {
    const random = seeded(1);
    const picks = Array.from({ length: 100_000 }, () => chooseVersion(rollout(), headers({}), random));
    const share = picks.filter((v) => v === '2').length / picks.length;
    expect(share).toBeGreaterThan(0.095);
    expect(share).toBeLessThan(0.105);
    expect(new Set(picks)).toEqual(new Set(['1', '2']));
  });

  it('sends nothing to a canary that is not ready anywhere, or has weight 0', () => {
    const loading = rollout({ canaryWeightBp: 10_000, isServing: (v) => v === '1' });
    expect(Array.from({ length: 100 }, () => chooseVersion(loading, headers({}))).every((v) => v === '1')).toBe(true);
    expect(chooseVersion(rollout({ canaryWeightBp: 0 }), headers({}), () => 0)).toBe('1');
    expect(chooseVersion(rollout({ canary: '' }), headers({}), () => 0)).toBe('1');
  });

  it('keeps each sticky key on one version, at about the weight over many keys', () => {
    const route = rollout({ stickyHeader: 'x-user' });
    const versions = Array.from({ length: 20_000 }, (_, i) => {
      const key = headers({ 'x-user': `user-${i}` });
      const first = chooseVersion(route, key, Math.random);
      for (let j = 0; j < 3; j++) expect(chooseVersion(route, key, Math.random)).toBe(first);
      return first;
    });
    const share = versions.filter((v) => v === '2').length / versions.length;
    expect(share).toBeGreaterThan(0.09);
    expect(share).toBeLessThan(0.11);
  });

  it('only moves sticky keys from stable to canary when the weight grows', () => {
    for (let i = 0; i < 2_000; i++) {
      const key = headers({ 'x-user': `u${i}` });
      const at10 = chooseVersion(rollout({ stickyHeader: 'x-user', canaryWeightBp: 1_000 }), key);
      const at50 = chooseVersion(rollout({ stickyHeader: 'x-user', canaryWeightBp: 5_000 }), key);
      if (at10 === '2') expect(at50).toBe('2');
    }
    expect(stickyPoint('mlp', 'a')).toBe(stickyPoint('mlp', 'a'));
    expect(stickyPoint('mlp', 'a')).toBeLessThan(10_000);
  });

  it('lets the first matching header rule pin a version or force the canary', () => {
    const route = rollout({
      canaryWeightBp: 0,
      stickyHeader: 'x-user',
      rules: [
        { header: 'x-pin', value: 'old', version: '1', canary: false },
        { header: 'x-beta', value: '', version: '', canary: true },
        { header: 'x-pin', value: 'three', version: '3', canary: false },
      ],
    });
    expect(chooseVersion(route, headers({ 'x-pin': 'old', 'x-beta': '1' }))).toBe('1');
    expect(chooseVersion(route, headers({ 'x-beta': 'anything' }))).toBe('2');
    expect(chooseVersion(route, headers({ 'x-pin': 'three' }))).toBe('3');
    // A value the rule does not name does not match.
    expect(chooseVersion(route, headers({ 'x-pin': 'other', 'x-user': 'u1' }))).toBe('1');
  });

  it('falls back to stable when the rule targets a version or canary that is not ready', () => {
    const route = rollout({
      isServing: (v) => v === '1',
      rules: [
        { header: 'x-pin', value: '', version: '3', canary: false },
        { header: 'x-beta', value: '', version: '', canary: true },
      ],
    });
    expect(chooseVersion(route, headers({ 'x-pin': 'y' }))).toBe('1');
    expect(chooseVersion(route, headers({ 'x-beta': 'y' }))).toBe('1');
  });

  it('has nothing to offer a model without a stable version', () => {
    expect(chooseVersion(rollout({ stable: '', canary: '' }), headers({}))).toBeUndefined();
  });
});
