/**
 * A service of `infermesh up` that is started again, with backoff, whenever it dies, on the
 * address it first listened on, while the other services keep serving.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Backoff, spawnService, type SpawnedService, type SpawnOptions } from '@infermesh/common';

/** The port of a host:port address. */
const portOf = (address: string) => address.slice(address.lastIndexOf(':') + 1);

export class KeptService {
  /** Times the service was started again after it died. */
  restarts = 0;
  private readonly backoff = new Backoff();
  private readonly stopping = new AbortController();

  private constructor(
    private readonly options: SpawnOptions,
    private current: SpawnedService,
    private readonly say: (line: string) => void,
  ) {
    this.watch(current);
  }

  /**
   * Starts the service; rejects when it cannot start. `portVariable` names the INFERMESH_*
   * variable that makes a restart bind the port it first listened on.
   */
  static async start(options: SpawnOptions, say: (line: string) => void, portVariable?: string): Promise<KeptService> {
    const first = await spawnService(options);
    const again = portVariable ? { ...options, env: { ...options.env, [portVariable]: portOf(first.address) } } : options;
    return new KeptService(again, first, say);
  }

  get name(): string {
    return this.options.name;
  }

  /** host:port from its first `listening` line. */
  get address(): string {
    return this.current.address;
  }

  /** The pid of the process running now (or of the dead one until its successor starts). */
  get pid(): number | undefined {
    return this.current.child.pid;
  }

  /** Stops the service (SIGTERM, then SIGKILL after `graceMs`) and starts it no more. */
  async stop(graceMs?: number): Promise<void> {
    this.stopping.abort();
    await this.current.stop(graceMs);
  }

  private watch(service: SpawnedService): void {
    const startedAt = Date.now();
    void service.exited.then((exit) => this.restart(exit, Date.now() - startedAt));
  }

  private async restart(exit: number | NodeJS.Signals, uptimeMs: number): Promise<void> {
    const diedAt = Date.now();
    let ranMs = uptimeMs;
    let why = `exited (${exit})`;
    while (!this.stopping.signal.aborted) {
      const delayMs = this.backoff.delayAfter(ranMs);
      this.say(`infermesh: ${this.name} ${why}; starting it again in ${delayMs} ms, the other services keep serving`);
      try {
        await sleep(delayMs, undefined, { signal: this.stopping.signal });
      } catch {
        return;
      }
      this.restarts++;
      let service: SpawnedService;
      try {
        service = await spawnService(this.options);
      } catch (error) {
        why = `failed to start again: ${(error as Error).message}`;
        ranMs = 0;
        continue;
      }
      if (this.stopping.signal.aborted) {
        await service.stop();
        return;
      }
      this.current = service;
      this.say(`infermesh: ${this.name} is back on ${service.address} (restart ${this.restarts}, ${Date.now() - diedAt} ms after it exited)`);
      this.watch(service);
      return;
    }
  }
}
