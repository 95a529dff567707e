/** Where the CLI finds the registry: --registry, else INFERMESH_REGISTRY_ADDRESS, else the mesh config's registry section. */
import { existsSync } from 'node:fs';
import { readConfigFile, readEnvironment } from '@infermesh/common';
import { parseRegistryConfig, registryClientAddress } from '@infermesh/registry';

/** Options every registry command takes. */
export interface RegistryOptions {
  registry?: string;
  config: string;
}

export function registryAddress(options: RegistryOptions): string {
  if (options.registry) return options.registry;
  const fromEnv = readEnvironment().registryAddress;
  if (fromEnv) return fromEnv;
  // Only the registry section matters here; without the file, the registry's defaults hold.
  const raw = existsSync(options.config) ? (readConfigFile(options.config) as { registry?: unknown }) : {};
  return registryClientAddress(parseRegistryConfig(raw.registry, options.config));
}
