import { randomBytes } from 'node:crypto';
import { silentLogger, sourceSchema, type NatsSourceConfig } from '@infermesh/common';
import { LOCAL_SERVICES, localServicesAvailable, pollUntil } from '@infermesh/testkit';
import { connect } from 'nats';
import { describe, expect, it } from 'vitest';
import { NatsSource } from './nats-source.js';
import { goodMessage, recordingHandler } from './source-handler.test-helper.js';

const available = await localServicesAvailable('nats');

describe.skipIf(!available)('NATS source', () => {
  it('holds at most maxPendingMessages while its call slots are busy and dead-letters the rest, naming the bound', { timeout: 60_000 }, async () => {
    const subject = `infermesh.test.${randomBytes(5).toString('hex')}`;
    const config = sourceSchema.parse({ name: 'in', type: 'nats', servers: [LOCAL_SERVICES.nats.url], subject, concurrency: 1, maxPendingMessages: 3 }) as NatsSourceConfig;
    // A gateway that answers nothing until released: every call slot stays busy.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const { handler, called, deadLetters } = recordingHandler(config, released);
    const source = new NatsSource(config, handler, silentLogger());
    await source.ready;

    const publisher = await connect({ servers: LOCAL_SERVICES.nats.url });
    try {
      for (let i = 0; i < 10; i++) publisher.publish(subject, goodMessage(`m${i}`));
      await publisher.flush();
      // At most one call in flight, one waiting for its slot and three queued: the others are dead letters.
      await pollUntil(async () => deadLetters.length >= 5, { timeoutMs: 30_000, intervalMs: 20, what: 'dead letters', describe: async () => deadLetters.length });
      expect(deadLetters[0]!.reason).toMatch(/^the source's queue is full \(3 messages, \d+ bytes waiting; maxPendingMessages 3, maxPendingBytes 67108864\)$/);
      release();
      await pollUntil(async () => handler.outcomes.ok + deadLetters.length === 10, { timeoutMs: 30_000, intervalMs: 20, what: 'every message', describe: async () => handler.outcomes });
      const kept = 10 - deadLetters.length;
      expect(kept).toBeLessThanOrEqual(5);
      // The first messages were kept and answered in order; the later ones dead-lettered whole.
      expect(called).toEqual(Array.from({ length: kept }, (_, i) => `m${i}`));
      expect(deadLetters.map((d) => d.message)).toEqual(Array.from({ length: 10 - kept }, (_, i) => goodMessage(`m${kept + i}`)));
    } finally {
      release();
      await publisher.close();
      await source.close();
    }
  });
});
