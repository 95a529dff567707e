/**
 * Follows the passing instances of one Consul service: a blocking query on
 * `/v1/health/service/<name>?passing` (the `consul` client's watch) that answers as soon as
 * the set changes, with a doubling backoff while Consul cannot be reached. The last set
 * heard stays in force while Consul is away.
 */
import type Consul from 'consul';
import type { Logger } from '../log/logger.js';
import { Reachability } from './Reachability.js';
import { instancesOf, sameInstances, type ServiceInstance } from './service-instance.js';

/** What to follow, and how patiently. */
export interface PassingInstancesOptions {
  service: string;
  /** Longest wait of one blocking query. */
  blockingWaitMs: number;
  /** First wait after a failed query; doubles on each failure in a row up to `backoffMaxMs`. */
  backoffInitialMs: number;
  backoffMaxMs: number;
}

type Watch = ReturnType<Consul['watch']>;

export class PassingInstances {
  private watch: Watch | undefined;
  private last: ServiceInstance[] | undefined;

  constructor(
    private readonly consul: Consul,
    private readonly options: PassingInstancesOptions,
    /** Called with every new set (never the same set twice in a row). */
    private readonly onChange: (instances: readonly ServiceInstance[]) => void,
    logger: Logger,
    /** Told when queries fail and answer again (the log says so once); one of its own by default. */
    private readonly reachability = new Reachability('Consul', logger),
  ) {}

  /** The set last heard; undefined until Consul first answers. */
  get instances(): readonly ServiceInstance[] | undefined {
    return this.last;
  }

  start(): void {
    if (this.watch) return;
    const { service, blockingWaitMs, backoffInitialMs, backoffMaxMs } = this.options;
    const consul = this.consul;
    const watch = consul.watch({
      method: consul.health.service,
      options: { service, passing: 'true', wait: `${Math.ceil(blockingWaitMs / 1000)}s` },
      // The client waits factor × 2^failures: the first wait is `backoffInitialMs`.
      backoffFactor: Math.max(1, Math.floor(backoffInitialMs / 2)),
      backoffMax: backoffMaxMs,
    });
    this.watch = watch;
    watch.on('change', (body: unknown) => {
      this.reachability.ok();
      this.accept(instancesOf(body));
    });
    watch.on('error', (error: Error) => this.reachability.failed(`health query of '${service}': ${error.message}`));
  }

  close(): void {
    this.watch?.end();
    this.watch = undefined;
  }

  private accept(instances: ServiceInstance[]): void {
    if (this.last !== undefined && sameInstances(this.last, instances)) return;
    this.last = instances;
    this.onChange(instances);
  }
}
