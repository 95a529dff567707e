/** The report `infermesh replay` prints: agreement with the recorded answers, and latency. */
import { percentile, type AgreementSummary } from '@infermesh/common';
import type { RecordedCall, SelectionCounts } from './recorded-calls.js';
import type { ReplayFailure, ReplayOutcome } from './replay-calls.js';

/** Latency percentiles in milliseconds (null without a sample). */
export interface LatencySummary {
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
  mean: number | null;
}

/** The report, as `--json` prints it. */
export interface ReplayReport {
  source: string;
  model: string;
  version: string;
  records: SelectionCounts & { replayed: number };
  calls: { sent: number; answered: number; failed: number; failures: Record<string, number>; firstFailures: ReplayFailure[] };
  agreement: AgreementSummary;
  latencyMs: { candidate: LatencySummary; recorded: LatencySummary };
  elapsedMs: number;
}

const rounded = (value: number) => (Number.isFinite(value) ? Math.round(value * 1000) / 1000 : null);

function latencySummary(sorted: readonly number[]): LatencySummary {
  const mean = sorted.length > 0 ? sorted.reduce((sum, value) => sum + value, 0) / sorted.length : NaN;
  return {
    p50: rounded(percentile(sorted, 0.5)),
    p90: rounded(percentile(sorted, 0.9)),
    p99: rounded(percentile(sorted, 0.99)),
    max: rounded(sorted.length > 0 ? sorted[sorted.length - 1]! : NaN),
    mean: rounded(mean),
  };
}

/** The report of one replay. */
export function replayReport(
  target: { source: string; model: string; version: string },
  calls: readonly RecordedCall[],
  counts: SelectionCounts,
  outcome: ReplayOutcome,
): ReplayReport {
  return {
    ...target,
    records: { ...counts, replayed: calls.length },
    calls: {
      sent: outcome.sent,
      answered: outcome.answered,
      failed: outcome.sent - outcome.answered,
      failures: outcome.failures,
      firstFailures: outcome.firstFailures,
    },
    agreement: outcome.agreement,
    latencyMs: {
      candidate: latencySummary(outcome.latenciesMs),
      recorded: latencySummary(calls.map((call) => call.latencyMs).sort((a, b) => a - b)),
    },
    elapsedMs: Math.round(outcome.elapsedMs),
  };
}

const percent = (share: number | null) => (share === null ? '-' : `${(share * 100).toFixed(2)} %`);
const ms = (value: number | null) => (value === null ? '-' : `${value.toFixed(2)} ms`);

/** The report as text for people. */
export function replayText(report: ReplayReport): string {
  const { records, calls, agreement, latencyMs } = report;
  const skipped = records.matching - records.replayed;
  const lines = [
    `replayed ${records.replayed} recorded calls of ${report.model} from ${report.source} against version ${report.version} in ${(report.elapsedMs / 1000).toFixed(1)} s`,
    skipped > 0 ? `  passed over ${skipped}: ${records.failed} failed calls, ${records.withoutInputs} without captured inputs, ${records.tensorsOmitted} with tensors left out` : '',
    `answered   ${calls.answered} of ${calls.sent}${calls.failed > 0 ? ` (failed: ${Object.entries(calls.failures).map(([code, n]) => `${code} ${n}`).join(', ')})` : ''}`,
    `agreement  ${percent(agreement.agreementShare)} agree, ${percent(agreement.exactShare)} exact, argmax ${percent(agreement.argmaxShare)}, ${agreement.mismatched} mismatched`,
    `           max abs diff ${agreement.maxAbsDiff.toPrecision(4)}, max rel diff ${agreement.maxRelDiff.toPrecision(4)}`,
    `latency    candidate p50 ${ms(latencyMs.candidate.p50)}, p90 ${ms(latencyMs.candidate.p90)}, p99 ${ms(latencyMs.candidate.p99)}, max ${ms(latencyMs.candidate.max)}`,
    `           recorded  p50 ${ms(latencyMs.recorded.p50)}, p90 ${ms(latencyMs.recorded.p90)}, p99 ${ms(latencyMs.recorded.p99)}, max ${ms(latencyMs.recorded.max)}`,
    ...calls.firstFailures.map((failure) => `  record ${failure.recordId}: ${failure.code}: ${failure.details}`),
  ];
  return lines.filter((line) => line !== '').join('\n');
}
