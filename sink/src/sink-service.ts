/** The `infermesh.sink.v1.Sink` handlers: Publish (records in, acks once spooled) and Status. */
import * as grpc from '@grpc/grpc-js';
import { serveOrderedStream, ServiceError, toGrpcStatus, type ContextHandlers, type Logger, type ServiceCallContext } from '@infermesh/common';
import type { PredictionRecord__Output, PublishAck, PublishRequest__Output, SinkHandlers, SinkStatusResponse } from '@infermesh/proto/sink';

/** Batches of one stream being spooled at once before the stream stops reading (backpressure). */
const MAX_BATCHES_IN_FLIGHT = 16;
/** Records in one PublishRequest. */
const MAX_RECORDS_PER_BATCH = 10_000;

/** What the handlers need from the sink. */
export interface SinkServiceOptions {
  /** Makes a batch durable; rejects with a ServiceError naming what is wrong. */
  ingest(records: readonly PredictionRecord__Output[]): Promise<void>;
  status(): SinkStatusResponse;
  logger: Logger;
}

/** The handlers, and a way to end every open Publish stream at shutdown. */
export interface SinkService {
  /** To bind behind the service middleware. */
  handlers: ContextHandlers<SinkHandlers, ServiceCallContext>;
  /**
   * Stops reading every Publish stream and ends it (OK) once the batches already read are
   * acknowledged: gateways then resend the rest to the sink that comes next, instead of
   * the shutdown waiting on streams that never end by themselves.
   */
  endStreams(): Promise<void>;
}

/** Publish and Status for `sinkProto.Sink.service`. */
export function sinkService({ ingest, status, logger }: SinkServiceOptions): SinkService {
  const open = new Set<() => Promise<void>>();
  const publish = (call: grpc.ServerDuplexStream<PublishRequest__Output, PublishAck>) => {
    // Headers at once, so the gateway knows the stream is up before its first ack.
    call.sendMetadata(new grpc.Metadata());
    // Spool appends finish in order (group commit is FIFO), and acks leave in request order.
    // A batch that cannot be spooled ends the stream with its status; by its code the gateway
    // sends that batch again on its next stream, or drops it (INVALID_ARGUMENT).
    const stream = serveOrderedStream<PublishRequest__Output, PublishAck>(call, {
      maxInFlight: MAX_BATCHES_IN_FLIGHT,
      errors: 'end-stream',
      handle: async (request) => {
        if (request.records.length > MAX_RECORDS_PER_BATCH) {
          throw ServiceError.invalidArgument(`a batch holds ${request.records.length} records, over the limit of ${MAX_RECORDS_PER_BATCH}`);
        }
        await ingest(request.records);
        return { sequence: request.sequence };
      },
      onFailure: (error) => {
        const { expected, details } = toGrpcStatus(error);
        if (!expected) logger.error({ err: error }, 'Publish failed');
        else logger.warn({ reason: details }, 'Publish stream refused');
      },
    });
    const end = () => {
      open.delete(end);
      return stream.end();
    };
    open.add(end);
    // A stream that is over (or already ending by itself) is no longer for endStreams to end.
    for (const event of ['cancelled', 'finish', 'close', 'error', 'end']) call.on(event, () => open.delete(end));
  };
  return {
    handlers: {
      Publish: publish,
      Status: () => status(),
    },
    endStreams: async () => {
      await Promise.all([...open].map((end) => end()));
    },
  };
}
