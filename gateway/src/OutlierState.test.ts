import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { OutlierState } from './OutlierState.js';
import { pickLeastLoaded } from './pick-runner.js';
import { RunnerEndpoint } from './RunnerEndpoint.js';

describe('OutlierState', () => {
  it('ejects a runner after 5 runner-side failures in a row for 10 s, then takes it back', () => {
    let now = 1_000;
    const state = new OutlierState(undefined, () => now);
    for (const code of [grpc.status.UNAVAILABLE, grpc.status.INTERNAL, grpc.status.UNKNOWN, grpc.status.DATA_LOSS]) state.record(code);
    expect(state.ejected).toBe(false);
    state.record(grpc.status.UNAVAILABLE);
    expect(state.ejected).toBe(true);
    expect(state.ejections).toBe(1);
    now += 9_999;
    expect(state.ejected).toBe(true);
    now += 1;
    expect(state.ejected).toBe(false);
  });

  it('is reset by an answered call and not moved by the caller\'s faults or overload', () => {
    const state = new OutlierState({ consecutiveFailures: 3, cooldownMs: 1_000 }, () => 0);
    state.record(grpc.status.UNAVAILABLE);
    state.record(grpc.status.UNAVAILABLE);
    state.record(grpc.status.OK);
    state.record(grpc.status.UNAVAILABLE);
    for (const code of [grpc.status.INVALID_ARGUMENT, grpc.status.NOT_FOUND, grpc.status.DEADLINE_EXCEEDED, grpc.status.CANCELLED, grpc.status.RESOURCE_EXHAUSTED]) state.record(code);
    state.record(grpc.status.UNAVAILABLE);
    expect(state.ejected).toBe(false);
    state.record(grpc.status.UNAVAILABLE);
    expect(state.ejected).toBe(true);
  });

  it('forgets an ejection on reset (a runner back from a restart)', () => {
    const state = new OutlierState({ consecutiveFailures: 1, cooldownMs: 1_000 }, () => 0);
    state.record(grpc.status.UNAVAILABLE);
    expect(state.ejected).toBe(true);
    state.reset();
    expect(state.ejected).toBe(false);
  });
});

describe('pickLeastLoaded with an ejected runner', () => {
  const runners: RunnerEndpoint[] = [];
  afterEach(() => {
    for (const runner of runners.splice(0)) runner.close();
  });

  it('leaves the ejected runner out, unless every candidate is ejected', () => {
    runners.push(new RunnerEndpoint('127.0.0.1:1', 1024), new RunnerEndpoint('127.0.0.1:2', 1024));
    const [failing, good] = runners as [RunnerEndpoint, RunnerEndpoint];
    // The failing runner is idle, so without ejection it would win every pick it is drawn in.
    good.outstanding = 100;
    for (let i = 0; i < 5; i++) failing.outlier.record(grpc.status.UNAVAILABLE);
    for (let i = 0; i < 50; i++) expect(pickLeastLoaded(runners)).toBe(good);
    for (let i = 0; i < 5; i++) good.outlier.record(grpc.status.INTERNAL);
    const picked = new Set(Array.from({ length: 50 }, () => pickLeastLoaded(runners)));
    expect(picked.has(failing)).toBe(true);
  });
});
