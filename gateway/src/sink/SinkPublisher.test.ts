import { createServer } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '@infermesh/common';
import { describe, expect, it } from 'vitest';
import { NO_CALL_HEADERS } from '../CallHeaders.js';
import type { InferEvent } from '../InferObserver.js';
import { createSinkPublisher } from './SinkPublisher.js';

const event: InferEvent = {
  modelName: 'simple',
  requestedVersion: '',
  version: '1',
  requestId: 'req',
  runner: '127.0.0.1:1',
  code: grpc.status.OK,
  details: '',
  latencyMs: 1,
  receivedAt: 1_790_000_000_000,
  headers: NO_CALL_HEADERS,
  traceparent: '',
  request: Buffer.alloc(0),
  response: Buffer.alloc(64),
  responseBytes: 64,
};

/** An address nothing listens on: a port taken from the OS and let go. */
async function deadAddress(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return `127.0.0.1:${port}`;
}

/** A logger that keeps what is logged at each level. */
function recordingLogger() {
  const lines: { level: string; fields: Record<string, unknown>; msg: string }[] = [];
  const at = (level: string) => (fields: Record<string, unknown>, msg: string) => lines.push({ level, fields, msg });
  const logger = { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug'), trace: at('trace') } as unknown as Logger;
  return { logger, lines };
}

describe('SinkPublisher at shutdown', () => {
  it('with mustNotLose, refuses calls while closing and logs what the sink never acknowledged as an error, with counts', async () => {
    const address = await deadAddress();
    const { logger, lines } = recordingLogger();
    const publisher = createSinkPublisher({ address, logger, mustNotLose: true });
    for (let i = 0; i < 3; i++) publisher.onInfer(event);
    await publisher.close(300);
    expect(() => publisher.admit()).toThrow(expect.objectContaining({ code: grpc.status.RESOURCE_EXHAUSTED, details: expect.stringContaining(address) }));
    publisher.onInfer(event);
    expect(publisher.stats()).toMatchObject({ buffered: 0, bufferedBytes: 0, dropped: 4, drops: { shutdown: 4, buffer_full: 0, oversized: 0, refused: 0 } });
    const lost = lines.find((line) => line.level === 'error');
    expect(lost?.fields).toMatchObject({ sink: address, lost: 3, mustNotLose: true, waitedMs: 300 });
    expect(lost?.msg).toContain(`3 prediction records the sink at ${address} has not acknowledged`);
  });

  it('without mustNotLose, warns instead', async () => {
    const { logger, lines } = recordingLogger();
    const publisher = createSinkPublisher({ address: await deadAddress(), logger });
    publisher.onInfer(event);
    await publisher.close(100);
    expect(lines.filter((line) => line.msg.includes('has not acknowledged')).map((line) => line.level)).toEqual(['warn']);
    expect(publisher.stats().drops.shutdown).toBe(1);
  });
});
