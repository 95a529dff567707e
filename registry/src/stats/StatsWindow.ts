/**
 * Per-version call counts, errors and latency histograms as gateways report them, kept for a
 * sliding window so a canary can be judged on its recent calls only.
 */
import type { AgreementCounts__Output, VersionStats__Output } from '@infermesh/proto/registry';
import { addAgreementCounts, emptyAgreementCounts, POLICY_LIMITS, type AgreementCounts } from '@infermesh/common';
import { versionKey } from '../state/registry-state.js';

/** One report's worth of a version's calls. */
interface Entry {
  atMs: number;
  requests: number;
  errors: number;
  invalidArguments: number;
  /** Bucket upper bound (ms) → calls. */
  latency: Map<number, number>;
  /** Shadow reports: how the answers compared with the primary's. */
  agreement: AgreementCounts | null;
}

/** A version's calls over a window. */
export interface WindowSummary {
  requests: number;
  /** Calls that failed on the version's side. */
  errors: number;
  /** Calls the version refused with INVALID_ARGUMENT (not in `errors`). */
  invalidArguments: number;
  /** Upper bound of the bucket holding the 99th percentile; 0 without calls. */
  p99Ms: number;
  /** Compared answers (shadow reports only; empty otherwise). */
  agreement: AgreementCounts;
}

/** A report's agreement counts as numbers; null when it carries none. */
function agreementOf(reported: AgreementCounts__Output | null): AgreementCounts | null {
  if (!reported) return null;
  const finite = (value: number) => (Number.isFinite(value) || value === Infinity ? Math.max(0, value) : 0);
  return {
    calls: Number(reported.calls),
    exact: Number(reported.exact),
    agreeing: Number(reported.agreeing),
    mismatched: Number(reported.mismatched),
    argmaxRows: Number(reported.argmax_rows),
    argmaxAgreeingRows: Number(reported.argmax_agreeing_rows),
    maxAbsDiff: finite(reported.max_abs_diff),
    maxRelDiff: finite(reported.max_rel_diff),
  };
}

/** Largest window any policy may ask for; older entries are dropped. */
const MAX_WINDOW_MS = POLICY_LIMITS.windowMs.max;
/** Entries kept per version at most, whatever the report rate. */
const MAX_ENTRIES = 20_000;

export class StatsWindow {
  private readonly entries = new Map<string, Entry[]>();

  /** Adds a gateway's report of one version. */
  add(stats: VersionStats__Output, nowMs = Date.now()): void {
    const key = versionKey(stats.model, stats.version);
    const list = this.entries.get(key) ?? [];
    const latency = new Map<number, number>();
    for (const bucket of stats.latency) {
      if (Number.isFinite(bucket.le_ms)) latency.set(bucket.le_ms, (latency.get(bucket.le_ms) ?? 0) + Number(bucket.count));
    }
    list.push({
      atMs: nowMs,
      requests: Number(stats.requests),
      errors: Number(stats.errors),
      invalidArguments: Number(stats.invalid_arguments),
      latency,
      agreement: agreementOf(stats.agreement),
    });
    while (list.length > MAX_ENTRIES || (list.length > 0 && list[0]!.atMs < nowMs - MAX_WINDOW_MS)) list.shift();
    this.entries.set(key, list);
  }

  /** Keeps the calls of the versions `exists` says exist and forgets every other. */
  retain(exists: (model: string, version: number) => boolean): void {
    for (const key of this.entries.keys()) {
      const [model, version] = key.split('\u0000') as [string, string];
      if (!exists(model, Number(version))) this.entries.delete(key);
    }
  }

  /** Versions with calls kept. */
  get size(): number {
    return this.entries.size;
  }

  /** Forgets a version's calls (it just became the canary: judge it on its new calls only). */
  clear(model: string, version: number): void {
    this.entries.delete(versionKey(model, version));
  }

  /** A version's calls in the last `windowMs`. */
  summary(model: string, version: number, windowMs: number, nowMs = Date.now()): WindowSummary {
    const since = nowMs - windowMs;
    let requests = 0;
    let errors = 0;
    let invalidArguments = 0;
    const latency = new Map<number, number>();
    const agreement = emptyAgreementCounts();
    const list = this.entries.get(versionKey(model, version)) ?? [];
    // Entries are appended in time order: walk back from the newest and stop at the first one
    // too old, rather than over the hour kept for the longest window.
    for (let i = list.length - 1; i >= 0; i--) {
      const entry = list[i]!;
      if (entry.atMs < since) break;
      requests += entry.requests;
      errors += entry.errors;
      invalidArguments += entry.invalidArguments;
      for (const [le, count] of entry.latency) latency.set(le, (latency.get(le) ?? 0) + count);
      if (entry.agreement) addAgreementCounts(agreement, entry.agreement);
    }
    return { requests, errors, invalidArguments, p99Ms: percentile(latency, 0.99), agreement };
  }
}

/** The upper bound of the bucket that holds quantile `q` of a histogram; 0 when empty. */
export function percentile(histogram: ReadonlyMap<number, number>, q: number): number {
  const total = [...histogram.values()].reduce((sum, count) => sum + count, 0);
  if (total === 0) return 0;
  const rank = Math.ceil(total * q);
  let seen = 0;
  for (const le of [...histogram.keys()].sort((a, b) => a - b)) {
    seen += histogram.get(le)!;
    if (seen >= rank) return le;
  }
  return Math.max(...histogram.keys());
}
