/**
 * The sink as the status page shows it: the gateway publisher's own counters (buffered,
 * published, dropped, last acknowledgement) and the sink's Status, asked for when a page is
 * rendered (spool depth and each destination's lag: records not yet delivered).
 */
import type { SinkStatusResponse__Output } from '@infermesh/proto/sink';
import type { SinkPublisherStats } from '../sink/SinkPublisher.js';

/** What the sink says of its spool and destinations. */
export interface SinkSpoolView {
  /** Spooled entries not yet passed by every destination. */
  depth: number;
  spoolBytes: number;
  destinations: { name: string; type: string; lag: number; delivered: number; retried: number; deadLettered: number; lastError: string }[];
}

export interface SinkView extends SinkPublisherStats {
  address: string;
  /** Since the sink last acknowledged a batch; absent before the first. */
  lastAckAgeMs?: number;
  /** Absent when the sink did not answer (see spoolError). */
  spool?: SinkSpoolView;
  spoolError?: string;
}

/** A publisher as the page needs it. */
export interface WatchedPublisher {
  readonly address: string;
  stats(): SinkPublisherStats;
  sinkStatus(timeoutMs: number): Promise<SinkStatusResponse__Output>;
}

/** The sink's Status must not hold the page up for long. */
const TIMEOUT_MS = 1_000;

export async function sinkView(publisher: WatchedPublisher, now = Date.now()): Promise<SinkView> {
  const stats = publisher.stats();
  const view: SinkView = { ...stats, address: publisher.address, ...(stats.lastAckAtMs === undefined ? {} : { lastAckAgeMs: now - stats.lastAckAtMs }) };
  try {
    const status = await publisher.sinkStatus(TIMEOUT_MS);
    view.spool = {
      depth: Number(status.depth),
      spoolBytes: Number(status.spool_bytes),
      destinations: status.destinations.map((d) => ({
        name: d.name,
        type: d.type,
        lag: Number(d.lag),
        delivered: Number(d.delivered),
        retried: Number(d.retried),
        deadLettered: Number(d.dead_lettered),
        lastError: d.last_error,
      })),
    };
  } catch (error) {
    view.spoolError = (error as { details?: string; message: string }).details || (error as Error).message;
  }
  return view;
}
