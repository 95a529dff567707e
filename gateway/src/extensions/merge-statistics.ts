/** Sums the ModelStatistics that several runners report for the same model versions. */
import type {
  InferBatchStatistics__Output,
  InferStatistics__Output,
  MemoryUsage__Output,
  ModelStatistics,
  ModelStatistics__Output,
  StatisticDuration,
  StatisticDuration__Output,
} from '@infermesh/proto';
import { byNameThenVersion } from '../model-version-order.js';

const DURATIONS = ['success', 'fail', 'queue', 'compute_input', 'compute_infer', 'compute_output', 'cache_hit', 'cache_miss'] as const;
const BATCH_DURATIONS = ['compute_input', 'compute_infer', 'compute_output'] as const;

/** A uint64 as grpc-js decodes it (a decimal string with longs: String). */
const big = (value: string | undefined | null): bigint => (value ? BigInt(value) : 0n);

function addDuration(sum: { count: bigint; ns: bigint }, part: StatisticDuration__Output | null | undefined): void {
  if (!part) return;
  sum.count += big(part.count);
  sum.ns += big(part.ns);
}

const zero = () => ({ count: 0n, ns: 0n });
const out = (sum: { count: bigint; ns: bigint }): StatisticDuration => ({ count: String(sum.count), ns: String(sum.ns) });

/** Running totals of one model version. */
class VersionTotals {
  lastInference = 0n;
  inferenceCount = 0n;
  executionCount = 0n;
  readonly durations = Object.fromEntries(DURATIONS.map((key) => [key, zero()])) as Record<(typeof DURATIONS)[number], ReturnType<typeof zero>>;
  readonly batches = new Map<bigint, Record<(typeof BATCH_DURATIONS)[number], ReturnType<typeof zero>>>();
  readonly memory = new Map<string, { type: string; id: bigint; bytes: bigint }>();

  constructor(
    readonly name: string,
    readonly version: string,
  ) {}

  add(stats: ModelStatistics__Output): void {
    const last = big(stats.last_inference);
    if (last > this.lastInference) this.lastInference = last;
    this.inferenceCount += big(stats.inference_count);
    this.executionCount += big(stats.execution_count);
    const inference: InferStatistics__Output | null = stats.inference_stats;
    for (const key of DURATIONS) addDuration(this.durations[key], inference?.[key]);
    for (const batch of stats.batch_stats) this.addBatch(batch);
    for (const usage of stats.memory_usage) this.addMemory(usage);
  }

  private addBatch(batch: InferBatchStatistics__Output): void {
    const size = big(batch.batch_size);
    let sums = this.batches.get(size);
    if (!sums) {
      sums = { compute_input: zero(), compute_infer: zero(), compute_output: zero() };
      this.batches.set(size, sums);
    }
    for (const key of BATCH_DURATIONS) addDuration(sums[key], batch[key]);
  }

  private addMemory(usage: MemoryUsage__Output): void {
    const key = `${usage.type}\u0000${usage.id}`;
    const entry = this.memory.get(key) ?? { type: usage.type, id: big(usage.id), bytes: 0n };
    entry.bytes += big(usage.byte_size);
    this.memory.set(key, entry);
  }

  toProto(): ModelStatistics {
    return {
      name: this.name,
      version: this.version,
      last_inference: String(this.lastInference),
      inference_count: String(this.inferenceCount),
      execution_count: String(this.executionCount),
      inference_stats: Object.fromEntries(DURATIONS.map((key) => [key, out(this.durations[key])])),
      batch_stats: [...this.batches.entries()]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([size, sums]) => ({
          batch_size: String(size),
          compute_input: out(sums.compute_input),
          compute_infer: out(sums.compute_infer),
          compute_output: out(sums.compute_output),
        })),
      memory_usage: [...this.memory.values()].map((entry) => ({ type: entry.type, id: String(entry.id), byte_size: String(entry.bytes) })),
    };
  }
}

/** One entry per model version, summed over every runner's report, sorted by name then version. */
export function mergeStatistics(reports: readonly (readonly ModelStatistics__Output[])[]): ModelStatistics[] {
  const totals = new Map<string, VersionTotals>();
  for (const report of reports) {
    for (const stats of report) {
      const key = `${stats.name}\u0000${stats.version}`;
      let entry = totals.get(key);
      if (!entry) {
        entry = new VersionTotals(stats.name, stats.version);
        totals.set(key, entry);
      }
      entry.add(stats);
    }
  }
  return [...totals.values()]
    .sort(byNameThenVersion)
    .map((entry) => entry.toProto());
}
