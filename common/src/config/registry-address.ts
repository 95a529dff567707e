/** The registry's address as clients (the CLI) see it, from the registry section alone. */
import { applyOverrides } from './apply-overrides.js';
import type { EnvironmentOverrides } from './env.js';
import { parseRegistryConfig, registryClientAddress } from './registry-config.js';

/**
 * INFERMESH_REGISTRY_ADDRESS, else the address of the registry configured by `raw`'s
 * `registry:` section with the overrides applied. Only that section is validated, so a file
 * without runners (or none at all: `raw` undefined) still gives the registry's defaults.
 */
export function registryAddressOf(raw: unknown, env: EnvironmentOverrides, source: string): string {
  if (env.registryAddress) return env.registryAddress;
  return registryClientAddress(parseRegistryConfig(applyOverrides(raw, env).registry, source));
}
