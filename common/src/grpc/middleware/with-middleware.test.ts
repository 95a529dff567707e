import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode } from '../../errors/ErrorCode.js';
import { ServiceError } from '../../errors/ServiceError.js';
import { silentLogger } from '../../log/logger.js';
import { startGrpcServer, type StartedGrpcServer } from '../start-grpc-server.js';
import { serviceMiddleware, type ServiceCallContext } from './service-middleware.js';
import { withMiddleware } from './with-middleware.js';

const bytes = { serialize: (value: Buffer) => value, deserialize: (value: Buffer) => value };

/** One method of each shape on raw bytes: no proto needed to exercise the binding. */
function method(name: string, requestStream: boolean, responseStream: boolean): grpc.MethodDefinition<Buffer, Buffer> {
  return {
    path: `/test.Bytes/${name}`,
    requestStream,
    responseStream,
    requestSerialize: bytes.serialize,
    requestDeserialize: bytes.deserialize,
    responseSerialize: bytes.serialize,
    responseDeserialize: bytes.deserialize,
  };
}
const definition: grpc.ServiceDefinition = {
  Unary: method('Unary', false, false),
  Concat: method('Concat', true, false),
  Repeat: method('Repeat', false, true),
  Echo: method('Echo', true, true),
};
const Client = grpc.makeGenericClientConstructor(definition, 'Bytes');
type BytesClient = InstanceType<typeof Client> & Record<string, (...args: unknown[]) => grpc.ClientUnaryCall & grpc.ClientReadableStream<Buffer>>;

/** A promise and its resolve (Promise.withResolvers is Node 22). */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => (resolve = done));
  return { promise, resolve };
}

let started: StartedGrpcServer | undefined;
afterEach(async () => {
  await started?.close(0);
  started = undefined;
});

async function serve(handlers: Record<string, unknown>, logger = silentLogger()): Promise<BytesClient> {
  started = await startGrpcServer({
    host: '127.0.0.1',
    port: 0,
    maxReceiveMessageBytes: 1024,
    maxSendMessageBytes: 1024,
    services: [{ definition, implementation: withMiddleware(definition, serviceMiddleware(logger), handlers) }],
  });
  return new Client(started.address, grpc.credentials.createInsecure()) as BytesClient;
}

function unary(client: BytesClient, request: string, options: grpc.CallOptions = {}): Promise<Buffer | grpc.ServiceError> {
  return new Promise((resolve) => {
    client.Unary!(Buffer.from(request), options, (error: grpc.ServiceError | null, response?: Buffer) => resolve(error ?? response!));
  });
}

describe('withMiddleware', () => {
  it('answers a unary call with what the handler returns', async () => {
    const client = await serve({ Unary: (request: Buffer) => Buffer.concat([request, Buffer.from('!')]) });
    expect(String(await unary(client, 'hi'))).toBe('hi!');
    client.close();
  });

  it('maps an unexpected error once: logged once with the method, UNKNOWN with a generic message to the caller', async () => {
    const logger = silentLogger();
    const logged = vi.spyOn(logger, 'error');
    const client = await serve(
      {
        Unary: () => {
          throw new Error('secret detail');
        },
      },
      logger,
    );
    const error = (await unary(client, 'x')) as grpc.ServiceError;
    expect(error.code).toBe(grpc.status.UNKNOWN);
    expect(error.details).toBe('internal error; see the server log');
    expect(logged).toHaveBeenCalledTimes(1);
    expect(logged.mock.calls[0]![0]).toMatchObject({ method: 'Unary' });
    client.close();
  });

  it('sends a ServiceError as its own status without logging it', async () => {
    const logger = silentLogger();
    const logged = vi.spyOn(logger, 'error');
    const client = await serve({ Unary: async () => Promise.reject(ServiceError.notFound('no such thing')) }, logger);
    const error = (await unary(client, 'x')) as grpc.ServiceError;
    expect([error.code, error.details]).toEqual([grpc.status.NOT_FOUND, 'no such thing']);
    expect(logged).not.toHaveBeenCalled();
    client.close();
  });

  it('aborts the signal of a call its caller cancels', async () => {
    const seen = deferred<unknown>();
    const running = deferred<void>();
    const client = await serve({
      Unary: (_request: Buffer, _call: unknown, context: ServiceCallContext) =>
        new Promise((_resolve, reject) => {
          running.resolve();
          context.signal.addEventListener('abort', () => {
            seen.resolve(context.signal.reason);
            reject(context.signal.reason as Error);
          });
        }),
    });
    const call = client.Unary!(Buffer.from('x'), () => undefined);
    await running.promise;
    call.cancel();
    const reason = await seen.promise;
    expect(reason).toBeInstanceOf(ServiceError);
    expect((reason as ServiceError).code).toBe(ErrorCode.CANCELLED);
    client.close();
  });

  it('aborts the signal of a call whose deadline passes', async () => {
    const seen = deferred<unknown>();
    const client = await serve({
      Unary: (_request: Buffer, _call: unknown, context: ServiceCallContext) =>
        new Promise((_resolve, reject) => {
          context.signal.addEventListener('abort', () => {
            seen.resolve(context.signal.reason);
            reject(context.signal.reason as Error);
          });
        }),
    });
    const error = (await unary(client, 'x', { deadline: Date.now() + 100 })) as grpc.ServiceError;
    expect(error.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    // grpc-js may see the deadline pass and cancel the call before the signal's own timer fires.
    expect([ErrorCode.DEADLINE_EXCEEDED, ErrorCode.CANCELLED]).toContain(((await seen.promise) as ServiceError).code);
    client.close();
  });

  it('serves client, server and bidi streams, ending a stream with the status of what its handler throws', async () => {
    const client = await serve({
      Concat: async (call: AsyncIterable<Buffer>) => {
        const chunks: Buffer[] = [];
        for await (const chunk of call) chunks.push(chunk);
        return Buffer.concat(chunks);
      },
      Repeat: (call: grpc.ServerWritableStream<Buffer, Buffer>) => {
        if (String(call.request) === 'fail') throw ServiceError.invalidArgument('cannot repeat that');
        call.write(call.request);
        call.write(call.request);
        call.end();
      },
      Echo: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
        call.on('data', (chunk: Buffer) => call.write(chunk));
        call.on('end', () => call.end());
      },
    });
    const concat = await new Promise<Buffer>((resolve, reject) => {
      const stream = client.Concat!((error: grpc.ServiceError | null, response?: Buffer) => (error ? reject(error) : resolve(response!))) as unknown as grpc.ClientWritableStream<Buffer>;
      stream.write(Buffer.from('a'));
      stream.write(Buffer.from('b'));
      stream.end();
    });
    expect(String(concat)).toBe('ab');

    const read = (stream: grpc.ClientReadableStream<Buffer>) =>
      new Promise<{ chunks: string[]; error?: grpc.ServiceError }>((resolve) => {
        const chunks: string[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(String(chunk)));
        stream.on('error', (error: grpc.ServiceError) => resolve({ chunks, error }));
        stream.on('end', () => resolve({ chunks }));
      });
    expect(await read(client.Repeat!(Buffer.from('r')))).toEqual({ chunks: ['r', 'r'] });
    const failed = await read(client.Repeat!(Buffer.from('fail')));
    expect([failed.error?.code, failed.error?.details]).toEqual([grpc.status.INVALID_ARGUMENT, 'cannot repeat that']);

    const echo = client.Echo!() as unknown as grpc.ClientDuplexStream<Buffer, Buffer>;
    const echoed = read(echo);
    echo.write(Buffer.from('e'));
    echo.end();
    expect(await echoed).toEqual({ chunks: ['e'] });
    client.close();
  });

  it('sends the status of what a client-streaming handler rejects with, logging only the unexpected', async () => {
    const logger = silentLogger();
    const logged = vi.spyOn(logger, 'error');
    const client = await serve(
      {
        Concat: async (call: AsyncIterable<Buffer>) => {
          for await (const chunk of call) {
            if (String(chunk) === 'bad') throw ServiceError.invalidArgument('bad part');
          }
          throw new Error('secret internals');
        },
      },
      logger,
    );
    const send = (parts: string[]) =>
      new Promise<grpc.ServiceError>((resolve) => {
        const stream = client.Concat!((error: grpc.ServiceError) => resolve(error)) as unknown as grpc.ClientWritableStream<Buffer>;
        for (const part of parts) stream.write(Buffer.from(part));
        stream.end();
      });
    expect(await send(['bad'])).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: 'bad part' });
    expect(logged).not.toHaveBeenCalled();
    expect(await send(['fine'])).toMatchObject({ code: grpc.status.UNKNOWN, details: 'internal error; see the server log' });
    expect(logged).toHaveBeenCalledWith(expect.objectContaining({ method: 'Concat' }), 'unexpected error');
    client.close();
  });

  it('refuses a handler for a method the service does not have', () => {
    expect(() => withMiddleware(definition, serviceMiddleware(silentLogger()), { Nope: () => undefined })).toThrow('Nope is not a method');
  });
});
