/** The runners a gateway forwards to (a static list for now) and how one is picked per call. */
import { ServiceError } from '@infermesh/common';
import { RunnerEndpoint } from './RunnerEndpoint.js';

/** A resolved route: the runner and the concrete version it will run. */
export interface Route {
  runner: RunnerEndpoint;
  version: string;
}

export class RunnerPool {
  readonly runners: RunnerEndpoint[];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    addresses: readonly string[],
    maxMessageBytes: number,
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
    return Promise.all(this.runners.map((r) => r.refresh(Math.max(this.refreshMs, 1_000)))).then(() => undefined);
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
    const first = candidates[Math.floor(Math.random() * candidates.length)]!;
    const second = candidates[Math.floor(Math.random() * candidates.length)]!;
    return { runner: first.outstanding <= second.outstanding ? first : second, version: resolved };
  }

  private noRoute(model: string, version: string, retried: boolean): ServiceError {
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
}
