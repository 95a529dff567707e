import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HttpReceiver } from '@infermesh/testkit';
import type { DeliveryError } from '../delivery/DeliveryError.js';
import { deliveryItems } from './delivery-items.test-helper.js';
import { HttpDestination } from './http-destination.js';
import { destinationSchema, type HttpConfig } from '@infermesh/common';

let receiver: HttpReceiver;
const signal = new AbortController().signal;
const destination = (overrides: Partial<HttpConfig> = {}) =>
  new HttpDestination({ ...(destinationSchema.parse({ name: 'hook', type: 'http', url: receiver.url }) as HttpConfig), ...overrides });

beforeEach(async () => {
  receiver = await new HttpReceiver().start();
});
afterEach(async () => {
  await receiver.stop();
});

describe('http destination', () => {
  it('POSTs a batch as CloudEvents with the record as data', async () => {
    const items = deliveryItems(3);
    await destination({ headers: { authorization: 'Bearer t' } }).deliver(items, signal);
    expect(receiver.requests[0]).toMatchObject({ contentType: 'application/cloudevents-batch+json; charset=utf-8', headers: { authorization: 'Bearer t' } });
    expect(receiver.events).toHaveLength(3);
    expect(receiver.events[0]).toEqual({
      specversion: '1.0',
      id: items[0]!.id,
      source: 'urn:infermesh:sink',
      type: 'dev.infermesh.prediction.v1',
      time: items[0]!.document.time,
      datacontenttype: 'application/json',
      data: items[0]!.document,
    });
  });

  it('retries 5xx, 429, timeouts and refused connections, but not other 4xx', async () => {
    const attempt = async (configure: () => Promise<void> | void, overrides: Partial<HttpConfig> = {}) => {
      await configure();
      return destination(overrides)
        .deliver(deliveryItems(1), signal)
        .then(
          () => undefined,
          (error: unknown) => error as DeliveryError,
        );
    };
    expect(await attempt(() => void (receiver.status = 503))).toMatchObject({ retryable: true, message: expect.stringContaining('HTTP 503') });
    expect(await attempt(() => void (receiver.status = 429))).toMatchObject({ retryable: true });
    expect(await attempt(() => void (receiver.status = 400))).toMatchObject({ retryable: false, message: expect.stringContaining('HTTP 400') });
    expect(await attempt(() => void (receiver.status = 0), { timeoutMs: 200 })).toMatchObject({
      retryable: true,
      message: expect.stringContaining('no answer within 200 ms'),
    });
    expect(await attempt(() => receiver.stop())).toMatchObject({ retryable: true, message: expect.stringContaining('fetch failed') });
  });
});
