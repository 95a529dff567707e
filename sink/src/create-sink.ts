/**
 * Builds and starts a sink: the spool, one worker per destination, the gRPC service that
 * gateways publish to, the sources, and the Prometheus endpoint.
 */
import {
  contextFromTraceparent,
  createLogger,
  createMetricsRegistry,
  endSpan,
  metricsRoute,
  startChildSpan,
  startGrpcServer,
  startHttpServer,
  type Logger,
  type SinkConfig,
} from '@infermesh/common';
import type { PredictionRecord__Output, SinkStatusResponse } from '@infermesh/proto/sink';
import { sinkProto } from '@infermesh/proto/sink';
import { DeadLetterFile } from './delivery/DeadLetterFile.js';
import { DestinationWorker } from './delivery/DestinationWorker.js';
import { createDestination } from './destinations/create-destination.js';
import { registerSinkMetrics } from './metrics/sink-metrics.js';
import type { DeadLetterDocument } from './record/record-document.js';
import { recordPayload } from './record/record-payload.js';
import { sinkService } from './sink-service.js';
import { createSource } from './sources/create-source.js';
import { GatewayCaller } from './sources/gateway-caller.js';
import { MessageHandler } from './sources/MessageHandler.js';
import type { Source } from './sources/Source.js';
import { CursorStore } from './spool/CursorStore.js';
import { EntryKind } from './spool/frame.js';
import { Spool } from './spool/Spool.js';

/** A started sink. */
export interface Sink {
  /** gRPC host:port gateways publish to. */
  address: string;
  port: number;
  /** host:port of `/metrics`, when served. */
  metricsAddress: string | undefined;
  /** Resolves once every source is subscribed. */
  sourcesReady: Promise<void>;
  /** The spool and each destination's progress (what the Status RPC answers). */
  status(): SinkStatusResponse;
  /** Stops sources and the gRPC service, lets deliveries in flight finish (up to 5 s), saves cursors. */
  close(): Promise<void>;
}

/** Optional collaborators; by default a JSON logger at the mesh's level. */
export interface SinkDependencies {
  logger?: Logger;
}

export async function createSink(config: SinkConfig, dependencies: SinkDependencies = {}): Promise<Sink> {
  const logger = dependencies.logger ?? createLogger('sink', config.logLevel);
  const spool = await Spool.open({ ...config.spool, logger });
  const cursors = new CursorStore(config.spool.dir);
  const received = { prediction: 0, 'dead-letter': 0 };

  let releasing: Promise<void> = Promise.resolve();
  const workers: DestinationWorker[] = [];
  const passed = () => Math.min(spool.nextSequence, ...workers.map((worker) => worker.position));
  const onAdvance = () => {
    releasing = releasing.then(() => spool.release(passed())).catch((error: unknown) => logger.error({ err: error }, 'cannot delete spent spool segments'));
  };
  for (const destination of config.destinations) {
    const saved = await cursors.load(destination.name);
    // A new destination starts at the oldest record still spooled.
    const startAt = Math.min(Math.max(saved ?? spool.firstSequence, spool.firstSequence), spool.nextSequence);
    workers.push(
      new DestinationWorker({
        config: destination,
        destination: createDestination(destination, logger),
        spool,
        cursors,
        deadLetters: new DeadLetterFile(config.spool.dir, destination.name),
        startAt,
        onAdvance,
        logger,
      }),
    );
  }

  const ingest = async (records: readonly PredictionRecord__Output[]) => {
    const entries = records.map((record) => ({ kind: EntryKind.prediction, payload: recordPayload(record, config.maxRecordBytes) }));
    // A span per traced record, under the gateway's span for its call, for the wait until it is durable.
    const spans = records.flatMap((record) =>
      record.traceparent ? [startChildSpan('sink.spool', contextFromTraceparent(record.traceparent), { 'sink.record_id': record.record_id })] : [],
    );
    try {
      await spool.append(entries);
    } catch (error) {
      for (const span of spans) endSpan(span, error);
      throw error;
    }
    for (const span of spans) span.end();
    received.prediction += entries.length;
  };
  const deadLetter = async (document: DeadLetterDocument) => {
    await spool.append([{ kind: EntryKind.deadLetter, payload: Buffer.from(JSON.stringify(document), 'utf8') }]);
    received['dead-letter']++;
  };
  const status = (): SinkStatusResponse => ({
    next_sequence: spool.nextSequence,
    depth: spool.nextSequence - passed(),
    spool_bytes: spool.bytes,
    segments: spool.segmentCount,
    destinations: workers.map((worker, i) => ({
      name: worker.name,
      type: config.destinations[i]!.type,
      cursor: worker.position,
      lag: worker.lag,
      delivered: worker.stats.delivered,
      retried: worker.stats.retried,
      dead_lettered: worker.stats.deadLettered,
      last_error: worker.stats.lastError,
    })),
  });

  const closers: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const close of closers.splice(0).reverse()) {
      await close().catch((error: unknown) => logger.error({ err: error }, 'error while stopping the sink'));
    }
  };
  try {
    closers.push(() => spool.close());
    for (const worker of workers) worker.start();
    closers.push(async () => {
      await Promise.all(workers.map((worker) => worker.close()));
    });

    let metricsAddress: string | undefined;
    const handlers: { name: string; handler: MessageHandler }[] = [];
    if (config.metricsPort !== null) {
      const registry = createMetricsRegistry({ service: 'sink' });
      registerSinkMetrics(registry, {
        spool,
        depth: () => spool.nextSequence - passed(),
        destinations: () => workers,
        received,
        sources: () => handlers.map(({ name, handler }) => ({ name, outcomes: handler.outcomes })),
      });
      const http = await startHttpServer({ host: config.host, port: config.metricsPort, routes: { '/metrics': metricsRoute(registry) } });
      metricsAddress = http.address;
      closers.push(() => http.close());
    }

    const service = sinkService({ ingest, status, logger });
    const server = await startGrpcServer({
      host: config.host,
      port: config.port,
      maxReceiveMessageBytes: config.maxMessageBytes,
      maxSendMessageBytes: config.maxMessageBytes,
      services: [{ definition: sinkProto.Sink.service, implementation: service.handlers }],
    });
    closers.push(async () => {
      const closed = server.close();
      await service.endStreams();
      await closed;
    });

    const sources: Source[] = [];
    if (config.sources.length > 0) {
      const gateway = new GatewayCaller(config.gateway, config.maxMessageBytes);
      closers.push(async () => gateway.close());
      for (const source of config.sources) {
        const handler = new MessageHandler({ config: source, gateway, deadLetter, logger });
        handlers.push({ name: source.name, handler });
        sources.push(createSource(source, handler, logger));
      }
      closers.push(async () => {
        await Promise.all(sources.map((source) => source.close()));
      });
    }

    logger.info(
      { destinations: config.destinations.map((d) => `${d.name} (${d.type})`), sources: config.sources.map((s) => `${s.name} (${s.type})`), spool: config.spool.dir, metrics: metricsAddress },
      'sink started',
    );
    return {
      address: server.address,
      port: server.port,
      metricsAddress,
      sourcesReady: Promise.all(sources.map((source) => source.ready)).then(() => undefined),
      status,
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
