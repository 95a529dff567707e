import * as http2 from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_CONCURRENT_STREAMS } from '../config/limits-config.js';
import { startGrpcServer, type StartedGrpcServer } from './start-grpc-server.js';

const bytes = (value: Buffer) => value;
const definition: grpc.ServiceDefinition = {
  Hold: { path: '/test.Streams/Hold', requestStream: false, responseStream: false, requestSerialize: bytes, requestDeserialize: bytes, responseSerialize: bytes, responseDeserialize: bytes },
};
const Client = grpc.makeGenericClientConstructor(definition, 'Streams');

let started: StartedGrpcServer | undefined;
afterEach(async () => {
  await started?.close(0);
  started = undefined;
});

/** The SETTINGS_MAX_CONCURRENT_STREAMS a server at `address` sends a new connection. */
async function advertisedLimit(address: string): Promise<number | undefined> {
  const session = http2.connect(`http://${address}`);
  try {
    await new Promise((resolve) => session.once('remoteSettings', resolve));
    return session.remoteSettings.maxConcurrentStreams;
  } finally {
    session.close();
  }
}

describe('max concurrent streams', () => {
  it('every server advertises limits.maxConcurrentStreams by default', async () => {
    started = await startGrpcServer({ host: '127.0.0.1', port: 0, maxReceiveMessageBytes: 1024, maxSendMessageBytes: 1024, services: [] });
    expect(await advertisedLimit(started.address)).toBe(DEFAULT_MAX_CONCURRENT_STREAMS);
  });

  it('runs at most the limit of one connection’s calls at once; the others wait in the client and all complete', async () => {
    let active = 0;
    let peak = 0;
    const held: (() => void)[] = [];
    let changed: () => void = () => {};
    started = await startGrpcServer({
      host: '127.0.0.1',
      port: 0,
      maxReceiveMessageBytes: 1024,
      maxSendMessageBytes: 1024,
      maxConcurrentStreams: 2,
      services: [
        {
          definition,
          implementation: {
            Hold: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
              active++;
              peak = Math.max(peak, active);
              held.push(() => {
                active--;
                callback(null, call.request);
              });
              changed();
            },
          },
        },
      ],
    });
    expect(await advertisedLimit(started.address)).toBe(2);
    const client = new Client(started.address, grpc.credentials.createInsecure());
    const calls = Array.from(
      { length: 6 },
      (_, i) =>
        new Promise<string>((resolve, reject) =>
          (client as unknown as Record<string, (r: Buffer, cb: (e: Error | null, v?: Buffer) => void) => void>).Hold!(Buffer.from(String(i)), (error, value) =>
            error ? reject(error) : resolve(String(value)),
          ),
        ),
    );
    // Release the held calls two at a time, each time the server holds two: the rest are still queued.
    for (let released = 0; released < 6; ) {
      while (held.length < Math.min(2, 6 - released)) await new Promise<void>((resolve) => (changed = resolve));
      expect(active).toBe(held.length);
      for (const release of held.splice(0)) {
        release();
        released++;
      }
    }
    expect((await Promise.all(calls)).sort()).toEqual(['0', '1', '2', '3', '4', '5']);
    expect(peak).toBe(2);
    client.close();
  });
});
