/** Agreement over many compared calls, in fixed-size counters: what metrics, reports and promotion read. */
import type { ModelInferResponse__Output } from '@infermesh/proto';
import { compareResponses, emptyComparison, type ResponseComparison } from './compare-responses.js';

/** The counts behind an agreement report; they add up across gateways and runs. */
export interface AgreementCounts {
  /** Calls whose two answers were compared. */
  calls: number;
  /** Calls answered byte for byte the same. */
  exact: number;
  /** Calls that agree (see {@link ResponseComparison.agrees}). */
  agreeing: number;
  /** Calls whose answers differed in outputs, datatypes or shapes (they count as disagreeing). */
  mismatched: number;
  /** Float output rows compared by argmax, and those whose argmax was the same. */
  argmaxRows: number;
  argmaxAgreeingRows: number;
  /** Largest absolute and relative float difference seen. */
  maxAbsDiff: number;
  maxRelDiff: number;
}

/** {@link AgreementCounts} with the shares a person reads; a share is null before any call. */
export interface AgreementSummary extends AgreementCounts {
  /** exact / calls. */
  exactShare: number | null;
  /** agreeing / calls: the figure a promotion policy holds to its threshold. */
  agreementShare: number | null;
  /** argmaxAgreeingRows / argmaxRows; null when no float output was compared. */
  argmaxShare: number | null;
}

/** Counts with nothing in them. */
export function emptyAgreementCounts(): AgreementCounts {
  return { calls: 0, exact: 0, agreeing: 0, mismatched: 0, argmaxRows: 0, argmaxAgreeingRows: 0, maxAbsDiff: 0, maxRelDiff: 0 };
}

/** The shares of `counts`. */
export function summarizeAgreement(counts: AgreementCounts): AgreementSummary {
  const share = (part: number, whole: number): number | null => (whole > 0 ? part / whole : null);
  return {
    ...counts,
    exactShare: share(counts.exact, counts.calls),
    agreementShare: share(counts.agreeing, counts.calls),
    argmaxShare: share(counts.argmaxAgreeingRows, counts.argmaxRows),
  };
}

/** Adds `more` into `into` (counts add, largest differences take the larger); returns `into`. */
export function addAgreementCounts(into: AgreementCounts, more: AgreementCounts): AgreementCounts {
  into.calls += more.calls;
  into.exact += more.exact;
  into.agreeing += more.agreeing;
  into.mismatched += more.mismatched;
  into.argmaxRows += more.argmaxRows;
  into.argmaxAgreeingRows += more.argmaxAgreeingRows;
  into.maxAbsDiff = Math.max(into.maxAbsDiff, more.maxAbsDiff);
  into.maxRelDiff = Math.max(into.maxRelDiff, more.maxRelDiff);
  return into;
}

/**
 * A running tally of agreement. Memory stays the same whatever the number of calls: one
 * comparison is refilled for each call and only counters grow.
 */
export class AgreementTally {
  private readonly counts = emptyAgreementCounts();
  private readonly scratch = emptyComparison();

  /** Compares one call's two answers and counts the result; returns the comparison (reused by the next call). */
  record(primary: ModelInferResponse__Output, candidate: ModelInferResponse__Output): Readonly<ResponseComparison> {
    return this.add(compareResponses(primary, candidate, this.scratch));
  }

  /** Counts one comparison made elsewhere; returns it. */
  add(comparison: ResponseComparison): ResponseComparison {
    const counts = this.counts;
    counts.calls++;
    if (comparison.exact) counts.exact++;
    if (comparison.agrees) counts.agreeing++;
    if (comparison.mismatch !== null) counts.mismatched++;
    counts.argmaxRows += comparison.argmaxRows;
    counts.argmaxAgreeingRows += comparison.argmaxAgreeingRows;
    if (comparison.maxAbsDiff > counts.maxAbsDiff) counts.maxAbsDiff = comparison.maxAbsDiff;
    if (comparison.maxRelDiff > counts.maxRelDiff) counts.maxRelDiff = comparison.maxRelDiff;
    return comparison;
  }

  /** A copy of the counts so far. */
  snapshot(): AgreementCounts {
    return { ...this.counts };
  }

  /** The counts so far with their shares. */
  summary(): AgreementSummary {
    return summarizeAgreement(this.counts);
  }
}
