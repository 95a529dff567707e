/**
 * The mesh config's optional `consul:` section: how every service reaches its Consul agent
 * (address, ACL token, datacenter, TLS). CONSUL_HTTP_ADDR and CONSUL_HTTP_TOKEN override it,
 * as they do for Consul's own CLI. Used by the `consul` registry store (and Consul discovery).
 */
import path from 'node:path';
import { z } from 'zod';
import { clientTlsSchema, httpAddressSchema, withClientTlsPaths } from './service-client-config.js';

/** Consul's default agent address. */
export const DEFAULT_CONSUL_ADDRESS = 'http://127.0.0.1:8500';

/** The agent's address, as CONSUL_HTTP_ADDR takes it. */
const consulAddress = httpAddressSchema('http://127.0.0.1:8500 or consul.service:8501');

/** The `consul:` keys, with defaults. Paths resolve against the working directory. */
export const consulSchema = z
  .object({
    /** The Consul agent's HTTP(S) address. */
    address: consulAddress.default(DEFAULT_CONSUL_ADDRESS),
    /** ACL token sent as X-Consul-Token; absent: the agent's default (anonymous) token. */
    token: z.string().min(1).max(4096).optional(),
    /** File holding the ACL token (read at start, trimmed), instead of `token`. */
    tokenFile: z.string().min(1).optional(),
    /** Datacenter to ask (`?dc=`); absent: the agent's own. */
    datacenter: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a Consul datacenter name (letters, digits, - and _)')
      .optional(),
    /** TLS to an https address: a CA to trust (else the system's), and a client certificate when the agent verifies clients. */
    tls: clientTlsSchema.optional(),
  })
  .strict()
  .refine((consul) => consul.token === undefined || consul.tokenFile === undefined, { message: 'give token or tokenFile, not both', path: ['tokenFile'] });

/** The validated `consul:` section. */
export type ConsulConfig = z.infer<typeof consulSchema>;

/** A consul section with its file paths made absolute against `cwd`. */
export function withConsulPaths(config: ConsulConfig | undefined, cwd: string): ConsulConfig | undefined {
  if (!config) return undefined;
  return {
    ...config,
    ...(config.tokenFile === undefined ? {} : { tokenFile: path.resolve(cwd, config.tokenFile) }),
    ...withClientTlsPaths(config.tls, cwd),
  };
}
