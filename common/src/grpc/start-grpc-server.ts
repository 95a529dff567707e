/** Starts a grpc-js server with what every infermesh server has: health, reflection, limits. */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation, protoPath as healthProtoPath } from 'grpc-health-check';
import { LOADER_OPTIONS, packageDefinition } from '@infermesh/proto';
import { DEFAULT_MAX_CONCURRENT_STREAMS } from '../config/limits-config.js';
import type { Authenticator } from '../auth/Authenticator.js';
import { guardService, type MethodAccess } from '../auth/guard-service.js';
import { meshServerCredentials, type TlsFiles } from '../tls/TlsFiles.js';

/** One service to serve: its definition and its handlers. */
export interface ServiceBinding {
  definition: grpc.ServiceDefinition;
  implementation: grpc.UntypedServiceImplementation;
  /** With the server's `auth`: who may call each method ('token' for those not named). */
  access?: Readonly<Record<string, MethodAccess>>;
  /** With the server's `auth`: the request field naming a model, checked against the token's allow list. */
  modelField?: string;
}

/** What {@link startGrpcServer} needs. */
export interface GrpcServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  services: ServiceBinding[];
  /** Largest request message accepted; bigger ones get RESOURCE_EXHAUSTED from grpc-js. */
  maxReceiveMessageBytes: number;
  /** Largest response message sent. */
  maxSendMessageBytes: number;
  /** Streams one client connection may have open at once (HTTP/2 SETTINGS); more wait in the client. Default 1000. */
  maxConcurrentStreams?: number;
  /** TLS (mutual when its clientAuth is `require`); plaintext without. */
  tls?: TlsFiles;
  /** Bearer tokens checked on every service's methods (health and reflection stay open); none without. */
  auth?: Authenticator;
}

/** A started server. */
export interface StartedGrpcServer {
  server: grpc.Server;
  /** The bound port (the real one when 0 was asked). */
  port: number;
  /** host:port */
  address: string;
  /** The standard grpc.health.v1 service; '' is the whole server. */
  health: HealthImplementation;
  /** Stops taking calls, waits up to `graceMs` for running ones, then cancels the rest. */
  close(graceMs?: number): Promise<void>;
}

const healthDefinition = protoLoader.loadSync(healthProtoPath, LOADER_OPTIONS);

/** Reflection over the project's protos and the health service, for grpcurl, Postman and Evans. */
const reflection = new ReflectionService({ ...packageDefinition, ...healthDefinition });

/** Channel options every server uses. */
export function serverChannelOptions(
  options: Pick<GrpcServerOptions, 'maxReceiveMessageBytes' | 'maxSendMessageBytes' | 'maxConcurrentStreams'>,
): grpc.ServerOptions {
  return {
    'grpc.max_concurrent_streams': options.maxConcurrentStreams ?? DEFAULT_MAX_CONCURRENT_STREAMS,
    'grpc.max_receive_message_length': options.maxReceiveMessageBytes,
    'grpc.max_send_message_length': options.maxSendMessageBytes,
    // channelz is on by default in grpc-js and has been linked to memory growth.
    'grpc.enable_channelz': 0,
    // Let clients keep idle connections alive with pings every 10 s or slower.
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.http2.min_ping_interval_without_data_ms': 10_000,
  };
}

/** Binds and starts a server; resolves once it accepts connections. */
export async function startGrpcServer(options: GrpcServerOptions): Promise<StartedGrpcServer> {
  const server = new grpc.Server(serverChannelOptions(options));
  const { auth } = options;
  for (const { definition, implementation, access, modelField } of options.services) {
    const guard = { authenticator: auth!, access: access ?? {}, ...(modelField === undefined ? {} : { modelField }) };
    server.addService(definition, auth ? guardService(definition, implementation, guard) : implementation);
  }
  const health = new HealthImplementation({ '': 'NOT_SERVING' });
  health.addToServer(server);
  reflection.addToServer(server);

  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${options.host}:${options.port}`, meshServerCredentials(options.tls), (error, bound) =>
      error ? reject(error) : resolve(bound),
    );
  });
  health.setStatus('', 'SERVING');

  let closing: Promise<void> | undefined;
  const close = (graceMs = 5_000): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      health.setStatus('', 'NOT_SERVING');
      const timer = setTimeout(() => server.forceShutdown(), graceMs);
      timer.unref();
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    return closing;
  };
  return { server, port, address: `${options.host}:${port}`, health, close };
}
