/**
 * Follows the registry's WatchRoutes stream. When the registry goes away the gateway keeps
 * the routes it has and opens the stream again (waiting for the registry to be back); the
 * first message of every new stream is the full table.
 */
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '@infermesh/common';
import type { RegistryClient, RoutesUpdate__Output } from '@infermesh/proto/registry';

/** The route stream as the status page shows it. */
export interface RouteStreamHealth {
  /** True while the WatchRoutes stream is up. */
  connected: boolean;
  /** Epoch ms of the last route update; absent before the first. */
  lastUpdateAtMs?: number;
  /** Revision of the last route update ('0' before the first). */
  revision: string;
}

const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 2_000;

export class RouteWatcher {
  private call: grpc.ClientReadableStream<RoutesUpdate__Output> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private retryMs = FIRST_RETRY_MS;
  private connected = false;
  private closed = false;
  /** When the last update arrived (epoch ms); undefined before the first. */
  private lastUpdateAtMs: number | undefined;
  private revision = '0';

  constructor(
    private readonly client: RegistryClient,
    private readonly gateway: string,
    private readonly onUpdate: (update: RoutesUpdate__Output) => void,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.open();
  }

  /** Whether the route stream is up now, and how fresh the routes are: for the status page. */
  health(): RouteStreamHealth {
    return {
      connected: this.connected,
      revision: this.revision,
      ...(this.lastUpdateAtMs === undefined ? {} : { lastUpdateAtMs: this.lastUpdateAtMs }),
    };
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.call?.cancel();
  }

  private open(): void {
    // waitForReady: while the registry is down the call waits for it instead of failing.
    const call = this.client.WatchRoutes({ gateway: this.gateway }, new grpc.Metadata({ waitForReady: true }));
    this.call = call;
    call.on('data', (update: RoutesUpdate__Output) => {
      this.retryMs = FIRST_RETRY_MS;
      if (!this.connected) this.logger.info({ registry: this.client.getChannel().getTarget(), models: update.models.length }, 'following the registry\'s routes');
      this.connected = true;
      this.lastUpdateAtMs = Date.now();
      this.revision = String(update.revision);
      this.onUpdate(update);
    });
    // Errors end in 'status' too; this listener only keeps them from being thrown.
    call.on('error', () => {});
    call.on('status', (status: grpc.StatusObject) => {
      if (this.closed || this.call !== call) return;
      if (this.connected) this.logger.warn({ code: status.code, reason: status.details }, 'lost the registry; serving the last routes it sent');
      this.connected = false;
      this.timer = setTimeout(() => this.open(), this.retryMs);
      this.timer.unref();
      this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
    });
  }
}
