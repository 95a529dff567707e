import { randomBytes } from 'node:crypto';
import { destinationSchema, silentLogger, type NatsConfig } from '@infermesh/common';
import { connect, type NatsConnection } from 'nats';
import { afterAll, describe, expect, it } from 'vitest';
import { LOCAL_SERVICES, localServicesAvailable } from '@infermesh/testkit';
import { deliveryItems } from './delivery-items.test-helper.js';
import { NatsDestination } from './nats-destination.js';

const available = await localServicesAvailable('nats');
const suffix = randomBytes(6).toString('hex');
const stream = `SINK_TEST_${suffix}`;
const subject = `infermesh.test.${suffix}`;
const signal = new AbortController().signal;

describe.skipIf(!available)('nats destination', () => {
  let nc: NatsConnection | undefined;
  afterAll(async () => {
    const jsm = await nc?.jetstreamManager();
    await jsm?.streams.delete(stream).catch(() => undefined);
    await nc?.close();
  });

  it('creates the stream with a duplicate window and publishes each record id once', async () => {
    nc = await connect({ servers: LOCAL_SERVICES.nats.url });
    const config = destinationSchema.parse({ name: 'n', type: 'nats', servers: [LOCAL_SERVICES.nats.url], subject, stream, duplicateWindowMs: 60_000 }) as NatsConfig;
    const destination = new NatsDestination(config, silentLogger());
    const items = deliveryItems(30);
    await destination.deliver(items, signal);
    await destination.deliver([...items.slice(5, 15), ...deliveryItems(2, 31)], signal);
    await destination.close();
    const info = await (await nc.jetstreamManager()).streams.info(stream);
    expect(info.config.subjects).toEqual([subject]);
    expect(info.config.duplicate_window).toBe(60_000 * 1_000_000);
    expect(info.state.messages).toBe(32);
    const first = await (await nc.jetstreamManager()).streams.getMessage(stream, { seq: 1 });
    expect(first.header?.get('Nats-Msg-Id')).toBe(items[0]!.id);
    expect(first.json()).toEqual(items[0]!.document);
  });
});
