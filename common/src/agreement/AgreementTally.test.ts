import type { ModelInferResponse__Output } from '@infermesh/proto';
import { describe, expect, it } from 'vitest';
import { addAgreementCounts, AgreementTally, emptyAgreementCounts, summarizeAgreement } from './AgreementTally.js';

function scores(values: number[]): ModelInferResponse__Output {
  return {
    model_name: 'm',
    model_version: '1',
    id: '',
    parameters: {},
    outputs: [{ name: 'P', datatype: 'FP32', shape: ['1', String(values.length)], parameters: {}, contents: null }],
    raw_output_contents: [Buffer.from(Float32Array.from(values).buffer)],
  };
}

describe('AgreementTally', () => {
  it('counts exact, agreeing and mismatched calls and keeps the largest differences', () => {
    const tally = new AgreementTally();
    tally.record(scores([0.2, 0.8]), scores([0.2, 0.8]));
    tally.record(scores([0.2, 0.8]), scores([0.4, 0.6]));
    tally.record(scores([0.2, 0.8]), scores([0.9, 0.1]));
    tally.record(scores([0.2, 0.8]), scores([0.2, 0.8, 0]));
    const summary = tally.summary();
    expect(summary).toMatchObject({ calls: 4, exact: 1, agreeing: 2, mismatched: 1, argmaxRows: 3, argmaxAgreeingRows: 2 });
    expect(summary.exactShare).toBe(0.25);
    expect(summary.agreementShare).toBe(0.5);
    expect(summary.argmaxShare).toBeCloseTo(2 / 3, 9);
    expect(summary.maxAbsDiff).toBeCloseTo(0.7, 6);
  });

  it('has no shares before the first call', () => {
    expect(new AgreementTally().summary()).toMatchObject({ calls: 0, exactShare: null, agreementShare: null, argmaxShare: null });
  });

  it('adds counts from several tallies as one', () => {
    const one = new AgreementTally();
    one.record(scores([1, 0]), scores([1, 0]));
    const two = new AgreementTally();
    two.record(scores([1, 0]), scores([0, 1]));
    const total = addAgreementCounts(addAgreementCounts(emptyAgreementCounts(), one.snapshot()), two.snapshot());
    expect(summarizeAgreement(total)).toMatchObject({ calls: 2, agreeing: 1, agreementShare: 0.5, maxAbsDiff: 1, maxRelDiff: 1 });
  });

  it('keeps the same memory whatever the number of calls', () => {
    const tally = new AgreementTally();
    const a = scores([0.1, 0.9]);
    const b = scores([0.2, 0.8]);
    for (let i = 0; i < 10_000; i++) tally.record(a, b);
    const first = tally.record(a, b);
    expect(tally.record(a, b)).toBe(first);
    expect(tally.snapshot().calls).toBe(10_002);
  });
});
