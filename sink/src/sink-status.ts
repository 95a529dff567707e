/** The Status RPC's answer: the spool and each destination's progress. */
import type { SinkStatusResponse } from '@infermesh/proto/sink';
import type { SpoolDelivery } from './delivery/SpoolDelivery.js';
import type { ResolvedDestinationConfig } from '@infermesh/common';
import type { Spool } from './spool/Spool.js';

/**
 * The status of `spool` and its delivery to `destinations` (the configs its workers were built from, in order).
 * @internal
 */
export function sinkStatus(spool: Spool, delivery: SpoolDelivery, destinations: readonly ResolvedDestinationConfig[]): SinkStatusResponse {
  return {
    next_sequence: spool.nextSequence,
    depth: delivery.depth,
    spool_bytes: spool.bytes,
    segments: spool.segmentCount,
    destinations: delivery.workers.map((worker, i) => ({
      name: worker.name,
      type: destinations[i]!.type,
      cursor: worker.position,
      lag: worker.lag,
      delivered: worker.stats.delivered,
      retried: worker.stats.retried,
      dead_lettered: worker.stats.deadLettered,
      last_error: worker.stats.lastError,
    })),
  };
}
