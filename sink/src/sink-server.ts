/** The gRPC server gateways publish to: the sink service bound to the sink's port. */
import { serviceMiddleware, startGrpcServer, withMiddleware } from '@infermesh/common';
import { sinkProto } from '@infermesh/proto/sink';
import type { SinkConfig, TlsFiles } from '@infermesh/common';
import { sinkService, type SinkServiceOptions } from './sink-service.js';

/**
 * A started sink server.
 * @internal
 */
export interface SinkServer {
  /** host:port */
  address: string;
  port: number;
  /** Stops taking calls and ends the open Publish streams once the batches read from them are acknowledged. */
  close(): Promise<void>;
}

/**
 * Starts serving Publish and Status on `config.host:config.port`.
 * @internal
 */
export async function startSinkServer(config: Pick<SinkConfig, 'host' | 'port' | 'maxMessageBytes' | 'maxConcurrentStreams'>, options: SinkServiceOptions, tls?: TlsFiles): Promise<SinkServer> {
  const service = sinkService(options);
  const server = await startGrpcServer({
    ...(tls ? { tls } : {}),
    host: config.host,
    port: config.port,
    maxReceiveMessageBytes: config.maxMessageBytes,
    maxSendMessageBytes: config.maxMessageBytes,
    maxConcurrentStreams: config.maxConcurrentStreams,
    services: [
      {
        definition: sinkProto.Sink.service,
        implementation: withMiddleware(sinkProto.Sink.service, serviceMiddleware(options.logger), service.handlers),
      },
    ],
  });
  return {
    address: server.address,
    port: server.port,
    close: async () => {
      const closed = server.close();
      await service.endStreams();
      await closed;
    },
  };
}
