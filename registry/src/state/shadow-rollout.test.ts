import { describe, expect, it } from 'vitest';
import { versionsInUse } from './rollout-use.js';
import { promote, refusePromotion, retire, setRollout } from './rollout-operations.js';
import { errorDetails, modelRecord, operation, versionRecord } from './test-fixtures.test-helper.js';

const details = errorDetails;

describe('shadow versions in a rollout', () => {
  it('sets a shadow with a share, loads it, keeps it from retirement, and clears the share with the version', () => {
    const model = modelRecord('mlp', 3);
    setRollout(model, { stableVersion: 1 }, operation());
    setRollout(model, { shadowVersion: 2, shadowShareBp: 10_000 }, operation());
    expect(model.rollout).toMatchObject({ stableVersion: 1, shadowVersion: 2, shadowShareBp: 10_000 });
    expect(versionsInUse(model.rollout)).toEqual(new Set([1, 2]));
    expect(model.history.at(-1)).toMatchObject({ action: 'SET', shadowVersion: 2, shadowShareBp: 10_000 });
    expect(details(() => retire(model, 2, operation()))).toBe("9 model 'mlp' version 2 is the shadow version; set another shadow or none first");
    setRollout(model, { shadowVersion: 0 }, operation());
    expect(model.rollout).toMatchObject({ shadowVersion: 0, shadowShareBp: 0 });
  });

  it('refuses a shadow that is stable, unknown, of another signature, or a share out of range', () => {
    const model = modelRecord('mlp', 3);
    model.versions[2] = versionRecord('mlp', 3, { outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 3] }] });
    expect(details(() => setRollout(model, { shadowVersion: 2 }, operation()))).toBe("9 shadow_version: model 'mlp' has no stable version to shadow yet");
    setRollout(model, { stableVersion: 1 }, operation());
    expect(details(() => setRollout(model, { shadowVersion: 1 }, operation()))).toBe('3 shadow_version: version 1 is the stable version');
    expect(details(() => setRollout(model, { shadowVersion: 7 }, operation()))).toBe("5 model 'mlp' has no version 7 (versions: 1, 2, 3)");
    expect(details(() => setRollout(model, { shadowVersion: 3 }, operation()))).toMatch(
      /^9 shadow_version: the signature of model 'mlp' version 3 is not the stable version 1's: v3 has output 'y'/,
    );
    expect(details(() => setRollout(model, { shadowVersion: 2, shadowShareBp: 10_001 }, operation()))).toBe('3 shadow_share_bp: expected 0..10000 basis points, got 10001');
    expect(details(() => setRollout(model, { promotion: { ...model.rollout.promotion, minAgreement: 1.5 } }, operation()))).toBe('3 promotion.min_agreement: expected 0..1, got 1.5');
  });

  it('promotes the shadow when there is no canary, and puts a refusal on the record without changing the rollout', () => {
    const model = modelRecord('mlp', 2);
    setRollout(model, { stableVersion: 1, shadowVersion: 2, shadowShareBp: 5_000 }, operation());
    refusePromotion(model, operation([1, 2], 'agreement too low'), 'v2: 10 calls');
    expect(model.rollout).toMatchObject({ stableVersion: 1, shadowVersion: 2 });
    expect(model.history.at(-1)).toMatchObject({ action: 'PROMOTE_REFUSED', version: 2, reason: 'agreement too low', evidence: 'v2: 10 calls' });
    promote(model, operation([1, 2]), 'AUTO_PROMOTE', 'v2: 1000 calls');
    expect(model.rollout).toMatchObject({ stableVersion: 2, shadowVersion: 0, shadowShareBp: 0 });
    expect(model.history.at(-1)).toMatchObject({ action: 'AUTO_PROMOTE', version: 2, evidence: 'v2: 1000 calls', stableVersion: 2 });
  });
});
