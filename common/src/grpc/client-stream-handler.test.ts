import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ServiceError } from '../errors/ServiceError.js';
import { silentLogger } from '../log/logger.js';
import { clientStreamHandler } from './client-stream-handler.js';
import { startGrpcServer, type StartedGrpcServer } from './start-grpc-server.js';

/** A client-streaming method on raw bytes: no proto needed to exercise the handler. */
const definition: grpc.ServiceDefinition = {
  Concat: {
    path: '/test.Bytes/Concat',
    requestStream: true,
    responseStream: false,
    requestSerialize: (value: Buffer) => value,
    requestDeserialize: (value: Buffer) => value,
    responseSerialize: (value: Buffer) => value,
    responseDeserialize: (value: Buffer) => value,
  },
};
const Client = grpc.makeGenericClientConstructor(definition, 'Bytes');

let started: StartedGrpcServer | undefined;
afterEach(async () => {
  await started?.close(0);
  started = undefined;
});

/** Serves `handle`, sends `parts`, and resolves with the answer or the error. */
async function call(handle: (stream: AsyncIterable<Buffer>) => Promise<Buffer>, parts: string[], logger = silentLogger()): Promise<Buffer | grpc.ServiceError> {
  started = await startGrpcServer({
    host: '127.0.0.1',
    port: 0,
    maxReceiveMessageBytes: 1024,
    maxSendMessageBytes: 1024,
    services: [{ definition, implementation: { Concat: clientStreamHandler(logger, 'Concat', handle) } }],
  });
  const client = new Client(started.address, grpc.credentials.createInsecure());
  try {
    return await new Promise((resolve) => {
      const stream = client.makeClientStreamRequest(
        definition.Concat!.path,
        (value: Buffer) => value,
        (value: Buffer) => value,
        new grpc.Metadata(),
        {},
        (error: grpc.ServiceError | null, response?: Buffer) => resolve(error ?? response!),
      );
      for (const part of parts) stream.write(Buffer.from(part));
      stream.end();
    });
  } finally {
    client.close();
  }
}

describe('clientStreamHandler', () => {
  it('answers with what the handler resolves after reading the stream', async () => {
    const concat = async (stream: AsyncIterable<Buffer>) => {
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(chunk);
      return Buffer.concat(chunks);
    };
    expect(String(await call(concat, ['ab', 'cd']))).toBe('abcd');
  });

  it('sends a ServiceError as its status without logging it', async () => {
    const logger = silentLogger();
    const logged = vi.spyOn(logger, 'error');
    const answer = await call(() => Promise.reject(ServiceError.invalidArgument('bad part')), ['x'], logger);
    expect(answer).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: 'bad part' });
    expect(logged).not.toHaveBeenCalled();
  });

  it('logs an unexpected error and sends UNKNOWN without its detail', async () => {
    const logger = silentLogger();
    const logged = vi.spyOn(logger, 'error');
    const answer = await call(() => Promise.reject(new Error('secret internals')), ['x'], logger);
    expect(answer).toMatchObject({ code: grpc.status.UNKNOWN, details: 'internal error; see the server log' });
    expect(logged).toHaveBeenCalledWith(expect.objectContaining({ method: 'Concat' }), 'unexpected error');
  });
});
