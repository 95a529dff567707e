/** How the CLI connects to the mesh: TLS from the mesh config's `tls` section, a token from --token-file or INFERMESH_TOKEN. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { ConfigError, readConfigFile, readEnvironment, readTlsMaterial, tlsSchema, MAX_AUTHORIZATION_BYTES, type ClientSecurity } from '@infermesh/common';
import type { RegistryOptions } from './registry-address.js';

function readToken(file: string): string {
  let token: string;
  try {
    if (statSync(file).size > MAX_AUTHORIZATION_BYTES) throw new Error(`over ${MAX_AUTHORIZATION_BYTES} bytes`);
    token = readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new ConfigError(`--token-file ${file}: cannot read it: ${(error as Error).message}`);
  }
  if (token === '') throw new ConfigError(`--token-file ${file}: the file is empty`);
  return token;
}

/** The credentials and token of a CLI command; plaintext and no token when neither is configured. */
export function clientSecurityOf(options: RegistryOptions): ClientSecurity {
  const security: ClientSecurity = {};
  const token = options.tokenFile === undefined ? readEnvironment().token : readToken(options.tokenFile);
  if (token !== undefined) security.token = token;
  const raw = existsSync(options.config) ? (readConfigFile(options.config) as { tls?: unknown } | null) : undefined;
  if (raw?.tls !== undefined) {
    const parsed = tlsSchema.safeParse(raw.tls);
    if (!parsed.success) throw new ConfigError(`config ${options.config}: tls: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
    // The mesh's certificate: the registry asks for one when its clientAuth is require.
    const material = readTlsMaterial(parsed.data);
    security.credentials = grpc.credentials.createSsl(material.ca ?? null, material.key, material.cert);
  }
  return security;
}
