/** A model's route from the registry, turned into what per-call routing reads fast. */
import type { ModelRoute__Output } from '@infermesh/proto/registry';
import type { RunnerEndpoint } from '../RunnerEndpoint.js';
import type { RolloutRules } from './choose-version.js';

/** A model's rollout plus, per version a rollout uses, the runners that have it ready. */
export interface CompiledRoute extends RolloutRules {
  /** version → runners with it ready (only versions that have some). */
  endpoints: Map<string, RunnerEndpoint[]>;
  /** Every version that is not retired. */
  known: Set<string>;
  /** The shadow version ('' when none) and the share of answered calls copied to it, in basis points. */
  shadow: string;
  shadowShareBp: number;
}

const text = (version: number) => (version > 0 ? String(version) : '');

/** Compiles a route; `endpoint` gives the gateway's channel to a runner address. */
export function compileRoute(route: ModelRoute__Output, endpoint: (address: string) => RunnerEndpoint): CompiledRoute {
  const endpoints = new Map<string, RunnerEndpoint[]>();
  for (const version of route.versions) {
    if (version.runners.length > 0) endpoints.set(String(version.version), version.runners.map(endpoint));
  }
  return {
    model: route.model,
    stable: text(route.stable_version),
    canary: text(route.canary_version),
    canaryWeightBp: route.canary_weight_bp,
    rules: route.rules.map((rule) => ({ header: rule.header, value: rule.value, version: text(rule.version), canary: rule.canary })),
    stickyHeader: route.sticky_header,
    endpoints,
    known: new Set(route.known_versions.map(String)),
    shadow: route.shadow_share_bp > 0 ? text(route.shadow_version) : '',
    shadowShareBp: route.shadow_share_bp,
    isServing: (version) => endpoints.has(version),
  };
}
