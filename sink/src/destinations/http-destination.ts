/**
 * http destination: POSTs each batch as a JSON array of CloudEvents 1.0 (structured,
 * `application/cloudevents-batch+json`), the record as each event's `data`. 2xx is
 * delivered; 408, 429, 5xx, timeouts and connection errors are retried; another status
 * means the receiver refuses the batch, so retrying cannot help.
 */
import type { DeliveryItem, Destination } from './Destination.js';
import { DeliveryError } from '../delivery/DeliveryError.js';
import type { HttpConfig } from '@infermesh/common';

const EVENT_TYPES: Record<string, string> = {
  prediction: 'dev.infermesh.prediction.v1',
  'dead-letter': 'dev.infermesh.dead-letter.v1',
};

export class HttpDestination implements Destination {
  private readonly source: string;

  constructor(private readonly config: HttpConfig) {
    this.source = JSON.stringify(config.source);
  }

  async deliver(items: readonly DeliveryItem[], signal: AbortSignal): Promise<void> {
    const events = items.map(
      (item) =>
        `{"specversion":"1.0","id":${JSON.stringify(item.id)},"source":${this.source},` +
        `"type":"${EVENT_TYPES[item.document.kind]}","time":${JSON.stringify(item.document.time)},` +
        `"datacontenttype":"application/json","data":${item.json}}`,
    );
    let response: Response;
    try {
      response = await fetch(this.config.url, {
        method: 'POST',
        headers: { ...this.config.headers, 'content-type': 'application/cloudevents-batch+json; charset=utf-8' },
        body: `[${events.join(',')}]`,
        signal: AbortSignal.any([signal, AbortSignal.timeout(this.config.timeoutMs)]),
      });
    } catch (error) {
      const timedOut = (error as Error).name === 'TimeoutError';
      throw new DeliveryError(
        timedOut ? `POST ${this.config.url}: no answer within ${this.config.timeoutMs} ms` : `POST ${this.config.url}: ${(error as Error).message}`,
        true,
        { cause: error },
      );
    }
    // The body is not used; reading it lets the connection be reused.
    await response.arrayBuffer().catch(() => undefined);
    if (response.ok) return;
    const retryable = response.status === 408 || response.status === 429 || response.status >= 500;
    throw new DeliveryError(`POST ${this.config.url}: HTTP ${response.status} ${response.statusText}`, retryable);
  }

  async close(): Promise<void> {}
}
