/** Runs a command against the registry, turning every failure into a message for its user. */
import type { Command } from 'commander';
import { RegistryClient } from '@infermesh/client';
import { CliError, explain } from './cli-error.js';
import { clientSecurityOf } from './client-security.js';
import { registryAddress, type RegistryOptions } from './registry-address.js';

export async function withRegistry<T>(command: Command, run: (client: RegistryClient) => Promise<T>): Promise<T> {
  const options = command.optsWithGlobals<RegistryOptions>();
  const address = registryAddress(options);
  const client = new RegistryClient(address, clientSecurityOf(options));
  try {
    return await run(client);
  } catch (error) {
    throw error instanceof CliError ? error : new CliError(explain(error, address));
  } finally {
    client.close();
  }
}
