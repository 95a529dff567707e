/**
 * The sink's Prometheus metrics, all under `infermesh_sink_`. Values are read from the
 * spool, the workers and the sources when scraped, so nothing is counted twice.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { DestinationStats } from '../delivery/DestinationWorker.js';
import type { SourceOutcomes } from '../sources/MessageHandler.js';

/** What the metrics read. */
export interface SinkMetricsView {
  spool: { nextSequence: number; bytes: number; segmentCount: number; damagedRanges: number };
  /** Entries not yet passed by every destination. */
  depth(): number;
  destinations(): readonly { name: string; lag: number; stats: DestinationStats }[];
  /** Entries made durable, by kind. */
  received: { prediction: number; 'dead-letter': number };
  sources(): readonly { name: string; outcomes: SourceOutcomes }[];
}

/** Adds the sink's metrics to `registry`. */
export function registerSinkMetrics(registry: Registry, view: SinkMetricsView): void {
  const registers = [registry];
  new Gauge({
    name: 'infermesh_sink_spool_depth_records',
    help: 'Spooled records not yet passed by every destination',
    registers,
    collect() {
      this.set(view.depth());
    },
  });
  new Gauge({
    name: 'infermesh_sink_spool_bytes',
    help: 'Bytes of spool segments on disk',
    registers,
    collect() {
      this.set(view.spool.bytes);
    },
  });
  new Gauge({
    name: 'infermesh_sink_spool_segments',
    help: 'Spool segment files on disk',
    registers,
    collect() {
      this.set(view.spool.segmentCount);
    },
  });
  new Counter({
    name: 'infermesh_sink_spool_damaged_ranges_total',
    help: 'Damaged byte ranges found in spool segments since the start, each skipped and kept in the quarantine folder',
    registers,
    collect() {
      this.reset();
      this.inc(view.spool.damagedRanges);
    },
  });
  new Counter({
    name: 'infermesh_sink_received_records_total',
    help: 'Records made durable in the spool, by kind (prediction from gateways, dead-letter from sources)',
    labelNames: ['kind'],
    registers,
    collect() {
      this.reset();
      for (const [kind, count] of Object.entries(view.received)) this.inc({ kind }, count);
    },
  });
  new Gauge({
    name: 'infermesh_sink_destination_lag_records',
    help: 'Spooled records a destination has not passed yet',
    labelNames: ['destination'],
    registers,
    collect() {
      this.reset();
      for (const { name, lag } of view.destinations()) this.set({ destination: name }, lag);
    },
  });
  const perDestination = (name: string, help: string, pick: (stats: DestinationStats) => number) =>
    new Counter({
      name,
      help,
      labelNames: ['destination'],
      registers,
      collect() {
        this.reset();
        for (const destination of view.destinations()) this.inc({ destination: destination.name }, pick(destination.stats));
      },
    });
  perDestination('infermesh_sink_delivered_records_total', 'Records a destination took', (s) => s.delivered);
  perDestination('infermesh_sink_retried_records_total', 'Record deliveries tried again after a failure', (s) => s.retried);
  perDestination('infermesh_sink_dead_lettered_records_total', "Records written to a destination's dead-letter file", (s) => s.deadLettered);
  perDestination('infermesh_sink_filtered_records_total', "Records a destination's filter passed over", (s) => s.filtered);
  new Counter({
    name: 'infermesh_sink_source_messages_total',
    help: 'Source messages by outcome: ok and error (the gateway answered; a prediction record exists), dead_lettered',
    labelNames: ['source', 'outcome'],
    registers,
    collect() {
      this.reset();
      for (const { name, outcomes } of view.sources()) {
        this.inc({ source: name, outcome: 'ok' }, outcomes.ok);
        this.inc({ source: name, outcome: 'error' }, outcomes.error);
        this.inc({ source: name, outcome: 'dead_lettered' }, outcomes.deadLettered);
      }
    },
  });
}
