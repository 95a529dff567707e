import { describe, expect, it } from 'vitest';
import { deriveStatus } from '../placement/derive-status.js';
import { rollback, setRollout } from '../state/rollout-operations.js';
import { modelRecord, operation, runnerRecord } from '../state/test-fixtures.test-helper.js';
import { buildModelRoute } from './route-table.js';

describe('route table', () => {
  it('lists, for each version a rollout uses, the live runners that have it ready from the registry artifact', () => {
    const model = modelRecord('mlp', 4);
    setRollout(model, { stableVersion: 1, canaryVersion: 2, canaryWeightBp: 2_500, rules: [{ header: 'x-pin', value: 'a', version: 3, canary: false }], stickyHeader: 'x-user' }, operation());
    const [v1, v2, v3, v4] = model.versions;
    const elsewhere = { ...v2!, artifactPath: '/repository/mlp/2/model.onnx' };
    const live = [runnerRecord('a', 'cpu', [v1!, v2!, v4!]), runnerRecord('bb', 'cpu', [v1!, elsewhere, v3!])];
    expect(buildModelRoute(model, live)).toEqual({
      model: 'mlp',
      stable_version: 1,
      canary_version: 2,
      canary_weight_bp: 2_500,
      rules: [{ header: 'x-pin', value: 'a', version: 3, canary: false }],
      sticky_header: 'x-user',
      // v4 is ready on `a` but no rollout uses it; v2 on `bb` came from another artifact.
      versions: [
        { version: 1, runners: [live[0]!.address, live[1]!.address] },
        { version: 2, runners: [live[0]!.address] },
        { version: 3, runners: [live[1]!.address] },
      ],
      known_versions: [1, 2, 3, 4],
      shadow_version: 0,
      shadow_share_bp: 0,
    });
  });

  it('derives each version status from the rollout and the runners', () => {
    const model = modelRecord('mlp', 4);
    setRollout(model, { stableVersion: 1, canaryVersion: 2, canaryWeightBp: 0 }, operation());
    model.versions[3]!.device = 'cuda';
    const [v1, v2, v3] = model.versions;
    const live = [runnerRecord('a', 'cpu', [v1!, v2!]), runnerRecord('b', 'cpu', [v1!])];
    expect(deriveStatus(model, v1!, live)).toEqual({ status: 'serving', reason: '' });
    expect(deriveStatus(model, v2!, live)).toEqual({ status: 'ready', reason: 'ready on 1 of 2 runners' });
    expect(deriveStatus(model, v3!, live)).toEqual({ status: 'registered', reason: '' });
    setRollout(model, { canaryVersion: 4, canaryWeightBp: 100 }, operation());
    expect(deriveStatus(model, model.versions[3]!, live)).toEqual({ status: 'loading', reason: "no live runner matches device 'cuda'" });
    setRollout(model, { canaryVersion: 3 }, operation());
    expect(deriveStatus(model, model.versions[2]!, live, new Map([['a', 'bad model']]))).toEqual({ status: 'loading', reason: 'a: bad model' });
    // Every matching runner failed: failed, with each one's reason, while the rollout uses it.
    const everywhere = new Map([['a', 'bad model'], ['b', 'warmup failed']]);
    expect(deriveStatus(model, model.versions[2]!, live, everywhere)).toEqual({
      status: 'failed',
      reason: 'every runner failed to load it: a: bad model; b: warmup failed',
    });
    model.versions[2]!.status = 'failed';
    expect(deriveStatus(model, model.versions[2]!, live)).toEqual({ status: 'loading', reason: '' });
    // A canary rolled back stays failed.
    rollback(model, operation([], 'too slow'));
    expect(deriveStatus(model, model.versions[2]!, live)).toEqual({ status: 'failed', reason: 'too slow' });
  });
});
