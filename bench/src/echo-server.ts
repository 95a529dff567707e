/** Echo process for the benchmark: one unary gRPC method that returns the request bytes, the floor of one hop. */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { serverChannelOptions } from '@infermesh/common';

/** Fully qualified path of the echo method. */
export const ECHO_PATH = '/infermesh.bench.Echo/Echo';

const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
const identity = (value: Buffer): Buffer => value;

const definition: grpc.ServiceDefinition = {
  Echo: {
    path: ECHO_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
    originalName: 'Echo',
  },
};

/** Starts the server on 127.0.0.1 with a free port and prints the `listening` line spawnService waits for. */
async function main(): Promise<void> {
  // Same server options as the runner and the gateway, so the hop costs the same.
  const server = new grpc.Server(
    serverChannelOptions({ maxReceiveMessageBytes: MAX_MESSAGE_BYTES, maxSendMessageBytes: MAX_MESSAGE_BYTES }),
  );
  server.addService(definition, {
    Echo: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => callback(null, call.request),
  });
  const port = await new Promise<number>((done, fail) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? fail(error) : done(bound),
    ),
  );
  const stop = () => {
    server.forceShutdown();
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.stdout.write(`${JSON.stringify({ msg: 'listening', address: `127.0.0.1:${port}` })}\n`);
}

// Only when run as a process, not when main.ts imports ECHO_PATH.
if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    process.stderr.write(`echo-server: ${(error as Error).message}\n`);
    process.exit(1);
  });
}
