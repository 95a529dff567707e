/**
 * The mesh config's optional `etcd:` section: how every service reaches the etcd cluster
 * (endpoints, key prefix, TLS, user and password). ETCD_ENDPOINTS overrides the endpoints.
 * Used by the `etcd` registry store (and etcd discovery).
 */
import path from 'node:path';
import { z } from 'zod';
import { clientTlsSchema, httpAddressSchema, withClientTlsPaths } from './service-client-config.js';

/** etcd's default client address. */
export const DEFAULT_ETCD_ENDPOINT = 'http://127.0.0.1:2379';
/** Where infermesh keeps its keys unless told otherwise. */
export const DEFAULT_ETCD_PREFIX = '/infermesh';

/** One member's client URL, as etcdctl's --endpoints takes it. */
const etcdEndpoint = httpAddressSchema('http://127.0.0.1:2379 or etcd-0.etcd:2379');

/** A key prefix: `/` then segments of letters, digits, `.`, `_` and `-`; no trailing slash. */
const etcdPrefix = z
  .string()
  .max(256)
  .regex(/^(\/[A-Za-z0-9._-]+)+$/, "must be a key prefix such as '/infermesh' (a leading slash, no trailing one)");

/** The `etcd:` keys, with defaults. Paths resolve against the working directory. */
export const etcdSchema = z
  .object({
    /** The cluster's client URLs; the client spreads calls over them and fails over between them. */
    endpoints: z.array(etcdEndpoint).min(1).max(64).default([DEFAULT_ETCD_ENDPOINT]),
    /** Every infermesh key lies under it (the registry's state under `<prefix>/registry/`). */
    prefix: etcdPrefix.default(DEFAULT_ETCD_PREFIX),
    /** How long connecting to an endpoint may take before the call fails over. */
    dialTimeoutMs: z.number().int().min(100).max(600_000).default(5_000),
    /** Deadline of one unary call (a read, a transaction, a lease grant); watches and keep-alives are streams and have none. */
    callTimeoutMs: z.number().int().min(100).max(600_000).default(10_000),
    /** TLS to https endpoints: a CA to trust (else the system's), and a client certificate when etcd verifies clients. */
    tls: clientTlsSchema.optional(),
    /** etcd user (with `password` or `passwordFile`); absent: no authentication. */
    username: z.string().min(1).max(256).optional(),
    password: z.string().min(1).max(4096).optional(),
    /** File holding the password (read at start, trimmed), instead of `password`. */
    passwordFile: z.string().min(1).optional(),
  })
  .strict()
  .refine((etcd) => etcd.password === undefined || etcd.passwordFile === undefined, { message: 'give password or passwordFile, not both', path: ['passwordFile'] })
  .refine((etcd) => (etcd.username === undefined) === (etcd.password === undefined && etcd.passwordFile === undefined), {
    message: 'username goes with password or passwordFile',
    path: ['username'],
  })
  .refine((etcd) => new Set(etcd.endpoints.map((endpoint) => endpoint.startsWith('https:'))).size === 1, {
    message: 'every endpoint must have the same scheme (all http:// or all https://)',
    path: ['endpoints'],
  })
  .refine((etcd) => etcd.tls === undefined || etcd.endpoints.every((endpoint) => endpoint.startsWith('https:')), {
    message: 'with tls, every endpoint must be https://',
    path: ['endpoints'],
  });

/** The validated `etcd:` section. */
export type EtcdConfig = z.infer<typeof etcdSchema>;

/** An etcd section with its file paths made absolute against `cwd`. */
export function withEtcdPaths(config: EtcdConfig | undefined, cwd: string): EtcdConfig | undefined {
  if (!config) return undefined;
  return {
    ...config,
    ...(config.passwordFile === undefined ? {} : { passwordFile: path.resolve(cwd, config.passwordFile) }),
    ...withClientTlsPaths(config.tls, cwd),
  };
}
