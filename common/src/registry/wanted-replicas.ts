import { deviceMatches } from './device-matches.js';

/**
 * How many live runners should hold a version: its replicas, or every matching runner for 0.
 * It takes any record with a device, so the registry's placement and the CLI's listing
 * count runners the same way.
 */
export function wantedReplicas<R extends { device: string }>(
  version: { device: string; replicas: number },
  live: readonly R[],
): { wanted: number; matching: R[] } {
  const matching = live.filter((runner) => deviceMatches(version.device, runner.device));
  return { wanted: version.replicas === 0 ? matching.length : Math.min(version.replicas, matching.length), matching };
}
