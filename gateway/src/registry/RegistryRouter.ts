/**
 * Routing by the registry's route table: per call, the version (the one named, else the
 * rollout's rules for the call's metadata), then a runner that has it ready, by power of two
 * choices. The table is whatever the registry last sent; it stays when the registry is away.
 */
import { ServiceError, type SequenceParameters } from '@infermesh/common';
import type { RoutesUpdate__Output } from '@infermesh/proto/registry';
import { pickLeastLoaded } from '../pick-runner.js';
import type { HeaderReader, RolloutSummary, RouteChoice, Router } from '../Router.js';
import type { RunnerEndpoint } from '../RunnerEndpoint.js';
import type { RunnerPool } from '../RunnerPool.js';
import { pickSequenceRunner, SequencePins } from '../sequence-routing.js';
import { chooseVersionWithReason } from './choose-version.js';
import { compileRoute, type CompiledRoute } from './compiled-route.js';

/** Where copies of a model's calls go. */
export interface ShadowTarget {
  version: string;
  /** Share of answered calls copied, in basis points. */
  shareBp: number;
}

export class RegistryRouter implements Router {
  private routes = new Map<string, CompiledRoute>();
  /** Models with a shadow; empty for most meshes, so the shadow mirror's check per call is one size test. */
  private shadowTargets = new Map<string, ShadowTarget>();
  private synced = false;
  private readonly pins = new SequencePins();

  constructor(
    private readonly pool: RunnerPool,
    private readonly registryAddress: string,
  ) {}

  /** Applies an update of the route table (the whole table when `full`). */
  apply(update: RoutesUpdate__Output): void {
    const routes = update.full ? new Map<string, CompiledRoute>() : new Map(this.routes);
    const endpoint = (address: string) => this.pool.endpoint(address);
    for (const route of update.models) routes.set(route.model, compileRoute(route, endpoint));
    for (const model of update.removed) routes.delete(model);
    this.routes = routes;
    const shadows = new Map<string, ShadowTarget>();
    for (const route of routes.values()) if (route.shadow !== '') shadows.set(route.model, { version: route.shadow, shareBp: route.shadowShareBp });
    this.shadowTargets = shadows;
    this.synced = true;
    const addresses = new Set([...routes.values()].flatMap((route) => [...route.endpoints.values()].flat().map((runner) => runner.address)));
    this.pool.retain(addresses);
  }

  chooseVersion(model: string, requested: string, header: HeaderReader, sequence?: SequenceParameters): RouteChoice {
    const route = this.route(model);
    if (requested !== '') {
      if (!route.known.has(requested)) throw ServiceError.notFound(`model '${model}' has no version '${requested}'`);
      return { version: requested, reason: 'explicit' };
    }
    const pinned = sequence && this.pins.pinned(model, sequence);
    const choice: RouteChoice | undefined =
      pinned !== undefined && route.known.has(pinned) ? { version: pinned, reason: 'sequence' } : chooseVersionWithReason(route, header, Math.random, sequence?.sequenceId);
    if (choice === undefined) throw ServiceError.unavailable(`model '${model}' has no stable version yet`);
    if (sequence) this.pins.record(model, sequence, choice.version);
    return choice;
  }

  pickRunner(model: string, version: string, exclude: ReadonlySet<RunnerEndpoint>, sequenceId?: string): RunnerEndpoint {
    const all = this.route(model).endpoints.get(version) ?? [];
    if (all.length === 0) {
      throw ServiceError.unavailable(`model '${model}' version ${version} is not ready on any runner (no rollout uses it, or it is still loading)`);
    }
    if (sequenceId !== undefined) return pickSequenceRunner(all, model, version, sequenceId, exclude);
    // Arrays are copied only when something is left out: on a first attempt with every runner agreeing, none is.
    const candidates = exclude.size === 0 ? all : all.filter((runner) => !exclude.has(runner));
    if (candidates.length === 0) throw ServiceError.unavailable(`no other runner can serve model '${model}' version ${version}`);
    // The registry says they are ready. A runner whose own last Status disagrees (it failed
    // the poll, or restarted without the version) goes last, until the registry catches up.
    const agrees = (runner: RunnerEndpoint) => runner.status === undefined || (runner.healthy && runner.serves(model, version));
    if (candidates.every(agrees)) return pickLeastLoaded(candidates);
    const agreeing = candidates.filter(agrees);
    return pickLeastLoaded(agreeing.length > 0 ? agreeing : candidates);
  }

  runnersFor(model: string, version: string): RunnerEndpoint[] {
    return [...(this.routes.get(model)?.endpoints.get(version) ?? [])];
  }

  versions(model: string): string[] {
    return [...(this.routes.get(model)?.endpoints.keys() ?? [])].sort((a, b) => Number(a) - Number(b));
  }

  ready(): boolean {
    return this.synced && [...this.routes.values()].some((route) => route.endpoints.size > 0);
  }

  rollouts(): RolloutSummary[] {
    return [...this.routes.values()].map((route) => ({
      model: route.model,
      stable: route.stable,
      canary: route.canary,
      canaryWeightBps: route.canaryWeightBp,
    }));
  }

  /** Models that have a shadow version now. */
  get shadows(): ReadonlyMap<string, ShadowTarget> {
    return this.shadowTargets;
  }

  close(): void {}

  private route(model: string): CompiledRoute {
    if (!this.synced) throw ServiceError.unavailable(`no routes from the registry at ${this.registryAddress} yet`);
    const route = this.routes.get(model);
    if (!route) throw ServiceError.notFound(`unknown model '${model}'`);
    return route;
  }
}
