/** Everything the registry's handlers work with. */
import type { Logger } from '@infermesh/common';
import type { ArtifactStore } from '../artifacts/ArtifactStore.js';
import type { RegistryConfig } from '../config/registry-config.js';
import type { Membership } from '../placement/Membership.js';
import type { Placement } from '../placement/Placement.js';
import type { Registry } from '../Registry.js';
import type { RouteBroadcaster } from '../routing/RouteBroadcaster.js';
import type { RunnerRecord } from '../state/registry-state.js';
import type { CanaryWatch } from '../stats/CanaryWatch.js';

/** The registry's parts, as the handlers see them. */
export interface RegistryContext {
  config: RegistryConfig;
  registry: Registry;
  artifacts: ArtifactStore;
  membership: Membership;
  placement: Placement;
  routes: RouteBroadcaster;
  canaries: CanaryWatch;
  logger: Logger;
}

/** The live runners now. */
export function liveRunners(context: RegistryContext): RunnerRecord[] {
  return context.membership.live(context.registry.current.runners);
}
