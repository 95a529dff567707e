/**
 * The runners a gateway knows: a channel and a Status poll per runner, a static list or the
 * runners the registry's routes name. In static mode it also answers which version a call
 * means and which runner serves it.
 */
import { ServiceError } from '@infermesh/common';
import { pickLeastLoaded } from './pick-runner.js';
import { RunnerEndpoint } from './RunnerEndpoint.js';

/** A resolved route: the runner and the concrete version it will run. */
export interface Route {
  runner: RunnerEndpoint;
  version: string;
}

export class RunnerPool {
  /** Every runner, in the order they became known. */
  readonly runners: RunnerEndpoint[];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    addresses: readonly string[],
    private readonly maxMessageBytes: number,
    private readonly refreshMs: number,
  ) {
    this.runners = addresses.map((address) => new RunnerEndpoint(address, maxMessageBytes));
  }

  /** Polls every runner now and then every `refreshMs`. */
  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.refreshMs);
    this.timer.unref();
  }

  refresh(): Promise<void> {
    return Promise.all(this.runners.map((r) => r.refresh(this.statusTimeoutMs()))).then(() => undefined);
  }

  /** The runner at `address`, added (and polled from now on) the first time it is asked for. */
  endpoint(address: string): RunnerEndpoint {
    let runner = this.runners.find((r) => r.address === address);
    if (!runner) {
      runner = new RunnerEndpoint(address, this.maxMessageBytes);
      this.runners.push(runner);
      void runner.refresh(this.statusTimeoutMs());
    }
    return runner;
  }

  /** Closes the runners not in `addresses` that have no call in flight (the others go on a later call). */
  retain(addresses: ReadonlySet<string>): void {
    for (let i = this.runners.length - 1; i >= 0; i--) {
      const runner = this.runners[i]!;
      if (addresses.has(runner.address) || runner.outstanding > 0) continue;
      this.runners.splice(i, 1);
      runner.close();
    }
  }

  /** True when some runner is reachable and has finished loading. */
  anyReady(): boolean {
    return this.runners.some((r) => r.healthy && r.status?.ready);
  }

  /**
   * The version a request means: the one it names, or with none the newest version
   * READY on any healthy runner (so every runner picked for it answers with the same one).
   */
  resolveVersion(model: string, version: string): string | undefined {
    if (version !== '') return version;
    let newest: string | undefined;
    for (const runner of this.runners) {
      if (!runner.healthy) continue;
      for (const v of runner.readyVersions(model)) {
        if (newest === undefined || Number(v) > Number(newest)) newest = v;
      }
    }
    return newest;
  }

  /**
   * Picks a runner for the version by power of two choices on outstanding calls, skipping
   * `exclude`. NOT_FOUND when no runner knows the model; UNAVAILABLE when none can serve it now.
   */
  pick(model: string, version: string, exclude: ReadonlySet<RunnerEndpoint> = new Set()): Route {
    const resolved = this.resolveVersion(model, version);
    const candidates =
      resolved === undefined ? [] : this.runners.filter((r) => r.healthy && !exclude.has(r) && r.serves(model, resolved));
    if (candidates.length === 0 || resolved === undefined) throw this.noRoute(model, version, exclude.size > 0);
    return { runner: pickLeastLoaded(candidates), version: resolved };
  }

  /** Why no runner can take a call for `model` (and `version`, when not ''). */
  noRoute(model: string, version: string, retried: boolean): ServiceError {
    const label = version === '' ? `model '${model}'` : `model '${model}' version ${version}`;
    if (retried) return ServiceError.unavailable(`no other runner can serve ${label}`);
    const unreachable = this.runners.filter((r) => !r.healthy).length;
    if (!this.runners.some((r) => r.knows(model))) {
      if (unreachable > 0) {
        return ServiceError.unavailable(`${label} is not on any reachable runner (${unreachable} of ${this.runners.length} unreachable)`);
      }
      return ServiceError.notFound(`unknown model '${model}'`);
    }
    if (version !== '' && !this.runners.some((r) => r.status?.models.some((m) => m.name === model && m.version === version))) {
      return ServiceError.notFound(`model '${model}' has no version '${version}'`);
    }
    return ServiceError.unavailable(`no ready runner for ${label}`);
  }

  close(): void {
    clearInterval(this.timer);
    for (const runner of this.runners) runner.close();
  }

  private statusTimeoutMs(): number {
    return Math.max(this.refreshMs, 1_000);
  }
}
