/**
 * Follows the instances of one service in etcd: a read of `<prefix>/services/<service>/`,
 * then a watch from the revision after it. etcd3's watcher resumes from the last revision it
 * saw after a disconnect, so no change is missed or applied twice; a watch cancelled because
 * its revision was compacted away starts over with a fresh read. The last set heard stays in
 * force while etcd cannot be reached.
 */
import type { Etcd3, IKeyValue, Watcher } from 'etcd3';
import type { Logger } from '../log/logger.js';
import { instanceOfValue, serviceKeyPrefix } from './etcd-keys.js';
import type { Reachability } from './Reachability.js';
import { backoffMs, type BackoffBounds } from './retry-timing.js';
import { MAX_INSTANCES, orderedInstances, sameInstances, type ServiceInstance } from './service-instance.js';

/** What to follow, and how patiently: a failed read is retried after `backoffInitialMs`, doubling to `backoffMaxMs`. */
export interface EtcdInstancesOptions extends BackoffBounds {
  prefix: string;
  service: string;
}

export class EtcdInstances {
  /** key → the instance it holds. */
  private readonly byKey = new Map<string, ServiceInstance>();
  private last: ServiceInstance[] | undefined;
  private watcher: Watcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private closed = false;
  private started = false;
  private readonly keyPrefix: string;

  constructor(
    private readonly client: Etcd3,
    private readonly options: EtcdInstancesOptions,
    /** Called with every new set (never the same set twice in a row). */
    private readonly onChange: (instances: readonly ServiceInstance[]) => void,
    private readonly reachability: Reachability,
    private readonly logger: Logger,
  ) {
    this.keyPrefix = serviceKeyPrefix(options.prefix, options.service);
  }

  /** The set last heard; undefined until etcd first answers. */
  get instances(): readonly ServiceInstance[] | undefined {
    return this.last;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    void this.sync();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    void this.watcher?.cancel().catch(() => undefined);
    this.watcher = undefined;
  }

  /** Reads the whole set, then watches from the revision after the read. */
  private async sync(): Promise<void> {
    if (this.closed) return;
    try {
      const response = await this.client.getAll().prefix(this.keyPrefix).limit(MAX_INSTANCES).exec();
      if (this.closed) return;
      this.byKey.clear();
      for (const kv of response.kvs) this.put(kv);
      this.report();
      const watcher = await this.client
        .watch()
        .prefix(this.keyPrefix)
        .startRevision((BigInt(response.header.revision) + 1n).toString())
        .create();
      if (this.closed) {
        await watcher.cancel();
        return;
      }
      this.watch(watcher);
      this.failures = 0;
      this.reachability.ok();
    } catch (error) {
      this.retry(error as Error);
    }
  }

  private watch(watcher: Watcher): void {
    this.watcher = watcher;
    watcher.on('put', (kv) => this.put(kv));
    watcher.on('delete', (kv) => this.byKey.delete(kv.key.toString('utf8')));
    // Every event of one response is applied before the set is reported.
    watcher.on('data', () => this.report());
    watcher.on('connected', () => this.reachability.ok());
    watcher.on('disconnected', (error) => this.reachability.failed(`watch of '${this.options.service}': ${error.message}`));
    watcher.on('error', (error) => {
      // Cancelled by etcd (its revision compacted away, most often): read again and watch anew.
      if (this.watcher !== watcher || this.closed) return;
      this.logger.warn({ service: this.options.service, reason: error.message }, 'etcd cancelled the instance watch; reading the instances again');
      this.watcher = undefined;
      void watcher.cancel().catch(() => undefined);
      void this.sync();
    });
  }

  private put(kv: IKeyValue): void {
    const key = kv.key.toString('utf8');
    const instance = instanceOfValue(kv.value);
    if (instance && this.byKey.size < MAX_INSTANCES) this.byKey.set(key, instance);
    else this.byKey.delete(key);
  }

  private report(): void {
    const next = orderedInstances(this.byKey.values());
    if (this.last !== undefined && sameInstances(this.last, next)) return;
    this.last = next;
    this.onChange(next);
  }

  private retry(error: Error): void {
    if (this.closed) return;
    this.reachability.failed(`read of '${this.options.service}': ${error.message}`);
    this.failures++;
    this.timer = setTimeout(() => void this.sync(), backoffMs(this.failures, this.options));
    this.timer.unref();
  }
}
