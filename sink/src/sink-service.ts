/** The `infermesh.sink.v1.Sink` handlers: Publish (records in, acks once spooled) and Status. */
import * as grpc from '@grpc/grpc-js';
import { ServiceError, toGrpcStatus, toServerErrorResponse, unaryHandler, type Logger } from '@infermesh/common';
import type { PredictionRecord__Output, PublishAck, PublishRequest__Output, SinkStatusResponse } from '@infermesh/proto/sink';

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
  handlers: grpc.UntypedServiceImplementation;
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
    let acks: Promise<void> = Promise.resolve();
    let inFlight = 0;
    let failed = false;
    let ending = false;
    const end = async () => {
      ending = true;
      open.delete(end);
      call.pause();
      await acks;
      if (!failed && !call.writableEnded) call.end();
    };
    open.add(end);
    // Headers at once, so the gateway knows the stream is up before its first ack.
    call.sendMetadata(new grpc.Metadata());
    for (const event of ['cancelled', 'finish', 'close']) call.on(event, () => open.delete(end));
    const fail = (error: unknown) => {
      if (failed) return;
      failed = true;
      if (!toGrpcStatus(error).expected) logger.error({ err: error }, 'Publish failed');
      else logger.warn({ reason: toGrpcStatus(error).details }, 'Publish stream refused');
      call.emit('error', toServerErrorResponse(error));
    };
    call.on('error', () => {
      failed = true;
      open.delete(end);
    });
    call.on('data', (request: PublishRequest__Output) => {
      // Read after the stream started ending: not acknowledged, so the gateway sends it again.
      if (failed || ending) return;
      if (++inFlight >= MAX_BATCHES_IN_FLIGHT) call.pause();
      const spooled = (
        request.records.length > MAX_RECORDS_PER_BATCH
          ? Promise.reject(ServiceError.invalidArgument(`a batch holds ${request.records.length} records, over the limit of ${MAX_RECORDS_PER_BATCH}`))
          : ingest(request.records)
      ).then(
        () => undefined,
        (error: unknown) => ({ error }),
      );
      // Spool appends finish in order (group commit is FIFO), and acks are chained to stay so.
      acks = acks.then(async () => {
        const outcome = await spooled;
        if (outcome) {
          fail(outcome.error);
          return;
        }
        if (--inFlight < MAX_BATCHES_IN_FLIGHT && !ending) call.resume();
        if (!failed) call.write({ sequence: request.sequence });
      });
    });
    call.on('end', () => {
      void end();
    });
  };
  return {
    handlers: {
      Publish: publish,
      Status: unaryHandler(logger, 'Status', () => status()),
    },
    endStreams: async () => {
      await Promise.all([...open].map((end) => end()));
    },
  };
}
