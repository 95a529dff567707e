/** Routing without a registry: a fixed runner list; a call without a version gets the newest one ready. */
import { ServiceError } from '@infermesh/common';
import { pickLeastLoaded } from './pick-runner.js';
import { pickSequenceRunner } from './sequence-routing.js';
import type { HeaderReader, RolloutSummary, RouteChoice, Router } from './Router.js';
import type { RunnerEndpoint } from './RunnerEndpoint.js';
import type { RunnerPool } from './RunnerPool.js';

export class StaticRouter implements Router {
  constructor(private readonly pool: RunnerPool) {}

  chooseVersion(model: string, requested: string, _header: HeaderReader): RouteChoice {
    const version = this.resolveVersion(model, requested);
    if (version === undefined) throw this.noRoute(model, requested, false);
    return { version, reason: requested === '' ? 'newest' : 'explicit' };
  }

  /**
   * A runner with the version ready, by power of two choices on outstanding calls, skipping
   * `exclude`. NOT_FOUND when no runner knows the model; UNAVAILABLE when none can serve it now.
   */
  pickRunner(model: string, version: string, exclude: ReadonlySet<RunnerEndpoint>, sequenceId?: string): RunnerEndpoint {
    const resolved = this.resolveVersion(model, version);
    if (sequenceId !== undefined && resolved !== undefined) return pickSequenceRunner(this.runnersFor(model, resolved), model, resolved, sequenceId, exclude);
    const candidates =
      resolved === undefined ? [] : this.pool.runners.filter((r) => r.healthy && !exclude.has(r) && r.serves(model, resolved));
    if (candidates.length === 0) throw this.noRoute(model, version, exclude.size > 0);
    return pickLeastLoaded(candidates);
  }

  runnersFor(model: string, version: string): RunnerEndpoint[] {
    return this.pool.runners.filter((runner) => runner.healthy && runner.serves(model, version));
  }

  versions(model: string): string[] {
    const versions = new Set(this.pool.runners.flatMap((r) => (r.healthy ? [...r.readyVersions(model)] : [])));
    return [...versions].sort((a, b) => Number(a) - Number(b));
  }

  ready(): boolean {
    return this.pool.anyReady();
  }

  rollouts(): RolloutSummary[] {
    return [];
  }

  close(): void {}

  /**
   * The version a request means: the one it names, or with none the newest version
   * READY on any healthy runner (so every runner picked for it answers with the same one).
   */
  private resolveVersion(model: string, version: string): string | undefined {
    if (version !== '') return version;
    let newest: string | undefined;
    for (const runner of this.pool.runners) {
      if (!runner.healthy) continue;
      for (const v of runner.readyVersions(model)) {
        if (newest === undefined || Number(v) > Number(newest)) newest = v;
      }
    }
    return newest;
  }

  /** Why no runner can take a call for `model` (and `version`, when not ''). */
  private noRoute(model: string, version: string, retried: boolean): ServiceError {
    const runners = this.pool.runners;
    const label = version === '' ? `model '${model}'` : `model '${model}' version ${version}`;
    if (retried) return ServiceError.unavailable(`no other runner can serve ${label}`);
    const unreachable = runners.filter((r) => !r.healthy).length;
    if (!runners.some((r) => r.knows(model))) {
      if (unreachable > 0) {
        return ServiceError.unavailable(`${label} is not on any reachable runner (${unreachable} of ${runners.length} unreachable)`);
      }
      return ServiceError.notFound(`unknown model '${model}'`);
    }
    if (version !== '' && !runners.some((r) => r.status?.models.some((m) => m.name === model && m.version === version))) {
      return ServiceError.notFound(`model '${model}' has no version '${version}'`);
    }
    return ServiceError.unavailable(`no ready runner for ${label}`);
  }
}
