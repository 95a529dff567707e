/** How a gateway decides, per call, which version runs and on which runner. */
import type { Metadata } from '@grpc/grpc-js';
import type { SequenceParameters } from '@infermesh/common';
import type { RunnerEndpoint } from './RunnerEndpoint.js';

/** Reads one header of a call (its first value), whatever form the call's headers come in. */
export type HeaderReader = (name: string) => string | undefined;

/** No headers at all: for calls routed without a caller's metadata. */
export const NO_HEADERS: HeaderReader = () => undefined;

/** A HeaderReader over grpc-js Metadata. */
export function metadataHeaders(metadata: Metadata): HeaderReader {
  return (name) => {
    const value = metadata.get(name)[0];
    return typeof value === 'string' ? value : undefined;
  };
}

/** A model's rollout as routing sees it (the status page shows these). */
export interface RolloutSummary {
  model: string;
  stable: string;
  /** '' when there is no canary. */
  canary: string;
  /** Share of traffic to the canary, in basis points. */
  canaryWeightBps: number;
}

/** The version a call runs and why: named by the call, or picked by a rule. */
export interface RouteChoice {
  version: string;
  /** explicit, header-rule, header-canary, sticky, weighted, stable, sequence (pinned at its start), or newest (static routing). */
  reason: string;
}

/** Routes calls: a static runner list, or the registry's route table. */
export interface Router {
  /**
   * The version a call runs: the one it names, else what the routing rules pick for its
   * headers, read only when a rule needs one. NOT_FOUND for an unknown model or version,
   * UNAVAILABLE when none can serve now. A sequence's calls keep the version it started on
   * (on this gateway), and a new one is picked by its id's hash, alike on every gateway.
   */
  chooseVersion(model: string, requested: string, header: HeaderReader, sequence?: SequenceParameters): RouteChoice;
  /**
   * A runner that has the version ready, skipping `exclude` (runners already tried). A
   * sequence's calls all go to one runner (see sequence-routing.ts) and are never retried.
   */
  pickRunner(model: string, version: string, exclude: ReadonlySet<RunnerEndpoint>, sequenceId?: string): RunnerEndpoint;
  /** The runners that have this version ready and get its calls. */
  runnersFor(model: string, version: string): RunnerEndpoint[];
  /** The versions of a model that some runner can serve now, oldest first. */
  versions(model: string): string[];
  /** True when the gateway can route calls at all (ServerReady). */
  ready(): boolean;
  /** The rollouts routing follows; empty without a registry. */
  rollouts(): RolloutSummary[];
  close(): void;
}
