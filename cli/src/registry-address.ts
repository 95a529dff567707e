/** Where the CLI finds the registry: --registry, else INFERMESH_REGISTRY_ADDRESS, else the mesh config's registry section. */
import { existsSync } from 'node:fs';
import { readConfigFile, readEnvironment, registryAddressOf } from '@infermesh/common';

/** Options every registry command takes. */
export interface RegistryOptions {
  registry?: string;
  config: string;
  /** File holding the bearer token (else INFERMESH_TOKEN). */
  tokenFile?: string;
}

/** The registry's host:port for a CLI command; see the file header for the order. */
export function registryAddress(options: RegistryOptions): string {
  if (options.registry) return options.registry;
  // Only the registry section matters here; without the file, the registry's defaults hold.
  const raw = existsSync(options.config) ? readConfigFile(options.config) : undefined;
  return registryAddressOf(raw, readEnvironment(), options.config);
}
