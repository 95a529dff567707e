/** Routing without a registry: a fixed runner list; a call without a version gets the newest one ready. */
import type { Metadata } from '@grpc/grpc-js';
import type { RolloutSummary, RouteChoice, Router } from './Router.js';
import type { RunnerEndpoint } from './RunnerEndpoint.js';
import type { RunnerPool } from './RunnerPool.js';

export class StaticRouter implements Router {
  constructor(private readonly pool: RunnerPool) {}

  chooseVersion(model: string, requested: string, _metadata: Metadata): RouteChoice {
    const version = this.pool.resolveVersion(model, requested);
    if (version === undefined) throw this.pool.noRoute(model, requested, false);
    return { version, reason: requested === '' ? 'newest' : 'explicit' };
  }

  pickRunner(model: string, version: string, exclude: ReadonlySet<RunnerEndpoint>): RunnerEndpoint {
    return this.pool.pick(model, version, exclude).runner;
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
}
