import { describe, expect, it } from 'vitest';
import { promote, retire, rollback, setRollout, unload } from './rollout-operations.js';
import { errorDetails, modelRecord, operation } from './test-fixtures.test-helper.js';

const details = errorDetails;

describe('rollout operations', () => {
  it('sets a first stable version, then a canary with a weight, and records who and why', () => {
    const model = modelRecord('mlp', 3);
    setRollout(model, { stableVersion: 1 }, operation());
    setRollout(model, { canaryVersion: 2, canaryWeightBp: 1_000 }, operation([], 'try v2'));
    expect(model.rollout).toMatchObject({ stableVersion: 1, canaryVersion: 2, canaryWeightBp: 1_000, updatedBy: 'tester', updatedAtMs: 1_000 });
    expect(model.history.map((e) => [e.action, e.stableVersion, e.canaryVersion, e.canaryWeightBp, e.reason])).toEqual([
      ['SET', 1, 0, 0, ''],
      ['SET', 1, 2, 1_000, 'try v2'],
    ]);
  });

  it('refuses bad rollouts with a message naming the field', () => {
    const model = modelRecord('mlp', 3);
    expect(details(() => setRollout(model, { canaryVersion: 1 }, operation()))).toBe(
      "9 canary_version: model 'mlp' has no stable version yet; make a version stable first (stable_version; infermesh rollout set mlp --stable N)",
    );
    setRollout(model, { stableVersion: 1 }, operation());
    expect(details(() => setRollout(model, { canaryVersion: 9 }, operation()))).toBe("5 model 'mlp' has no version 9 (versions: 1, 2, 3)");
    expect(details(() => setRollout(model, { canaryVersion: 1 }, operation()))).toBe('3 canary_version: version 1 is the stable version');
    expect(details(() => setRollout(model, { canaryVersion: 2, canaryWeightBp: 10_001 }, operation()))).toBe(
      '3 canary_weight_bp: expected 0..10000 basis points, got 10001',
    );
    expect(details(() => setRollout(model, { stableVersion: 2 }, operation()))).toMatch(
      /^9 stable_version: model 'mlp' version 2 is not ready on any runner; make it the canary first .*\(infermesh rollout set mlp --canary 2 --weight 0; infermesh rollout promote mlp\)$/,
    );
    expect(details(() => setRollout(model, { rules: [{ header: 'X-Pin', value: '', version: 1, canary: false }] }, operation()))).toMatch(
      /^3 rules\[0\]\.header: expected a lowercase gRPC metadata key/,
    );
    expect(details(() => setRollout(model, { rules: [{ header: 'x-pin', value: '', version: 1, canary: true }] }, operation()))).toBe(
      '3 rules[0]: set either a version or canary, not both',
    );
    expect(details(() => setRollout(model, { stickyHeader: 'grpc-timeout' }, operation()))).toMatch(/^3 sticky_header: /);
    expect(
      details(() => setRollout(model, { policy: { ...model.rollout.policy, windowMs: 10 } }, operation())),
    ).toBe('3 policy.window_ms: expected 1000..3600000, got 10');
    // Nothing was changed by the refused calls.
    expect(model.history).toHaveLength(1);
  });

  it('promotes a ready canary and refuses one that is not ready', () => {
    const model = modelRecord('mlp', 2);
    setRollout(model, { stableVersion: 1, canaryVersion: 2, canaryWeightBp: 500 }, operation());
    expect(details(() => promote(model, operation([1])))).toBe("9 model 'mlp' canary version 2 is not ready on any runner yet; wait for it to load");
    promote(model, operation([1, 2]));
    expect(model.rollout).toMatchObject({ stableVersion: 2, canaryVersion: 0, canaryWeightBp: 0 });
    expect(details(() => promote(model, operation([1, 2])))).toBe("9 model 'mlp' has no canary or shadow version to promote");
  });

  it('rolls back a canary: no weight, marked failed with the reason, until a rollout takes it again', () => {
    const model = modelRecord('mlp', 2);
    setRollout(model, { stableVersion: 1, canaryVersion: 2, canaryWeightBp: 500 }, operation());
    rollback(model, operation([], 'p99 too high'));
    expect(model.rollout).toMatchObject({ stableVersion: 1, canaryVersion: 0, canaryWeightBp: 0 });
    expect(model.versions[1]).toMatchObject({ status: 'failed', statusReason: 'p99 too high' });
    expect(model.history.at(-1)).toMatchObject({ action: 'ROLLBACK', version: 2, actor: 'tester' });
    setRollout(model, { canaryVersion: 2, canaryWeightBp: 100 }, operation());
    expect(model.versions[1]).toMatchObject({ status: 'registered', statusReason: '' });
    expect(details(() => rollback(model, operation(), 'AUTO_ROLLBACK', 7))).toBe("9 model 'mlp' canary is version 2 now, not 7");
  });

  it('retires only versions no rollout uses, and keeps the history within its limit', () => {
    const model = modelRecord('mlp', 3);
    setRollout(model, { stableVersion: 1, canaryVersion: 2, rules: [{ header: 'x-pin', value: '', version: 3, canary: false }] }, operation());
    expect(details(() => retire(model, 1, operation()))).toBe("9 model 'mlp' version 1 is the stable version; promote another version first");
    expect(details(() => retire(model, 2, operation()))).toBe("9 model 'mlp' version 2 is the canary; roll it back first");
    expect(details(() => retire(model, 3, operation()))).toBe("9 model 'mlp' version 3 is pinned by a header rule; change the rules first");
    setRollout(model, { rules: [] }, operation());
    expect(retire(model, 3, operation([], 'old')).status).toBe('retired');
    expect(details(() => setRollout(model, { canaryVersion: 3 }, operation()))).toBe("9 canary_version: model 'mlp' version 3 is retired");
    for (let i = 0; i < 10; i++) setRollout(model, { canaryWeightBp: i }, operation());
    expect(model.history).toHaveLength(5);
  });

  it('unloads a model: nothing in use, the stable version kept in the history, and a later stable version serves it again', () => {
    const model = modelRecord('mlp', 3);
    setRollout(model, { stableVersion: 1 }, operation());
    setRollout(model, { canaryVersion: 2, canaryWeightBp: 500, rules: [{ header: 'x-pin', value: 'a', version: 3, canary: false }], stickyHeader: 'x-user' }, operation([1, 2, 3]));
    expect(unload(model, operation([], 'maintenance'))).toBe(true);
    expect(model.rollout).toMatchObject({ stableVersion: 0, canaryVersion: 0, canaryWeightBp: 0, rules: [], stickyHeader: '' });
    expect(model.history.at(-1)).toMatchObject({ action: 'UNLOAD', version: 1, stableVersion: 0, reason: 'maintenance' });
    // Unloading again changes nothing and records nothing.
    expect(unload(model, operation())).toBe(false);
    expect(model.history.filter((e) => e.action === 'UNLOAD')).toHaveLength(1);
    // A model with no stable version takes one without it being ready yet, as a first one does.
    setRollout(model, { stableVersion: 2 }, operation());
    expect(model.rollout.stableVersion).toBe(2);
  });
});

