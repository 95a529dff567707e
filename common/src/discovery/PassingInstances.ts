/**
 * Follows the passing instances of one Consul service: a blocking query on
 * `/v1/health/service/<name>?passing` (the `consul` client's watch) that answers as soon as
 * the set changes, with a doubling backoff while Consul cannot be reached. The last set
 * heard stays in force while Consul is away.
 */
import type Consul from 'consul';
import type { Logger } from '../log/logger.js';
import { instancesOf, type ServiceInstance } from './service-instance.js';

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
  /** True while queries fail, so that the log says so once. */
  private failing = false;

  constructor(
    private readonly consul: Consul,
    private readonly options: PassingInstancesOptions,
    /** Called with every new set (never the same set twice in a row). */
    private readonly onChange: (instances: readonly ServiceInstance[]) => void,
    private readonly logger: Logger,
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
      if (this.failing) this.logger.info({ service }, 'Consul answers again');
      this.failing = false;
      this.accept(instancesOf(body));
    });
    watch.on('error', (error: Error) => {
      if (!this.failing) this.logger.warn({ service, reason: error.message }, 'cannot query Consul; keeping the instances last heard and retrying');
      this.failing = true;
    });
  }

  close(): void {
    this.watch?.end();
    this.watch = undefined;
  }

  private accept(instances: ServiceInstance[]): void {
    const json = JSON.stringify(instances);
    if (this.last !== undefined && JSON.stringify(this.last) === json) return;
    this.last = instances;
    this.onChange(instances);
  }
}
