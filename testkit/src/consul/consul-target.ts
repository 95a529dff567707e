/**
 * The Consul a test talks to: a real agent when CONSUL_HTTP_ADDR is set (with CONSUL_HTTP_TOKEN
 * as its token), else a {@link ConsulStandIn} started on 127.0.0.1:0. The same test file runs
 * against either. A real agent for these tests: `consul agent -dev -hcl 'session_ttl_min = "1s"'`
 * (tests use short session TTLs); with ACLs on, give a token that may write `key` and `session`
 * and register services.
 */
import { randomUUID } from 'node:crypto';
import { ConsulStandIn, type ConsulStandInOptions } from './ConsulStandIn.js';

/** A Consul to test against. */
export interface ConsulTarget {
  /** What CONSUL_HTTP_ADDR holds (`http://127.0.0.1:<port>` for the stand-in). */
  address: string;
  token?: string;
  /** The stand-in, when no real Consul was named; undefined against a real one. */
  standIn: ConsulStandIn | undefined;
  /** A KV prefix of this target's own, so tests against one real Consul do not meet. */
  prefix: string;
  close(): Promise<void>;
}

/** The real Consul named by CONSUL_HTTP_ADDR, or a fresh stand-in with `options`. */
export async function startConsulTarget(options: ConsulStandInOptions = {}, env: NodeJS.ProcessEnv = process.env): Promise<ConsulTarget> {
  const prefix = `infermesh-test/${randomUUID()}`;
  const address = env.CONSUL_HTTP_ADDR?.trim();
  if (address) {
    const token = env.CONSUL_HTTP_TOKEN?.trim();
    return { address: /^https?:\/\//.test(address) ? address : `http://${address}`, ...(token ? { token } : {}), standIn: undefined, prefix, close: async () => {} };
  }
  const standIn = await ConsulStandIn.start(options);
  return { address: standIn.address, ...(options.token ? { token: options.token } : {}), standIn, prefix, close: () => standIn.close() };
}
