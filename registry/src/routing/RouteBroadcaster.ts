/**
 * WatchRoutes: each gateway gets the full route table when it starts watching, then only the
 * models whose route changed. Changes are coalesced: many in one tick make one update.
 */
import type { ServerWritableStream } from '@grpc/grpc-js';
import type { Logger } from '@infermesh/common';
import type { ModelRoute, RoutesUpdate, WatchRoutesRequest__Output } from '@infermesh/proto/registry';

type Watcher = ServerWritableStream<WatchRoutesRequest__Output, RoutesUpdate>;

export class RouteBroadcaster {
  private readonly watchers = new Set<Watcher>();
  /** The table as last sent: model → route, and its JSON to spot changes. */
  private table = new Map<string, { route: ModelRoute; json: string }>();
  private revision = 0;
  private scheduled = false;

  constructor(
    /** Computes every model's route now. */
    private readonly compute: () => ModelRoute[],
    private readonly statsReportMs: number,
    private readonly logger: Logger,
  ) {
    this.table = this.snapshot();
  }

  /** Serves one WatchRoutes call until the gateway goes away. */
  watch(call: Watcher): void {
    const gateway = (call.request.gateway || call.getPeer()).slice(0, 200);
    this.watchers.add(call);
    this.logger.info({ gateway, watchers: this.watchers.size }, 'gateway watches routes');
    const leave = () => {
      if (this.watchers.delete(call)) this.logger.info({ gateway, watchers: this.watchers.size }, 'gateway stopped watching routes');
    };
    call.on('cancelled', leave);
    call.on('error', leave);
    call.on('close', leave);
    call.write(this.update(true, [...this.table.values()].map((entry) => entry.route), []));
  }

  /** Recomputes the table soon and sends what changed. */
  refresh(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.send();
    });
  }

  /** Ends every watch (the registry is stopping). */
  close(): void {
    for (const call of this.watchers) call.end();
    this.watchers.clear();
  }

  private snapshot(): Map<string, { route: ModelRoute; json: string }> {
    return new Map(this.compute().map((route) => [route.model!, { route, json: JSON.stringify(route) }]));
  }

  private send(): void {
    const next = this.snapshot();
    const changed = [...next.entries()].filter(([model, entry]) => this.table.get(model)?.json !== entry.json).map(([, entry]) => entry.route);
    const removed = [...this.table.keys()].filter((model) => !next.has(model));
    this.table = next;
    if (changed.length === 0 && removed.length === 0) return;
    const update = this.update(false, changed, removed);
    for (const call of this.watchers) call.write(update);
  }

  private update(full: boolean, models: ModelRoute[], removed: string[]): RoutesUpdate {
    return { revision: ++this.revision, full, models, removed, stats_report_ms: this.statsReportMs };
  }
}
