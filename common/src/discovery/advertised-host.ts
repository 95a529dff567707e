/** The host other processes dial to reach a service, whatever address it listens on. */
import { hostname } from 'node:os';

/** True for a listen address that is no address to dial (every interface). */
export function isWildcardHost(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]' || host === '';
}

/**
 * INFERMESH_ADVERTISE_HOST when set (a pod's IP); else the listen host, unless it is a
 * wildcard, in which case the machine's host name.
 */
export function advertisedHost(listenHost: string, advertiseHost: string | undefined): string {
  if (advertiseHost) return advertiseHost;
  return isWildcardHost(listenHost) ? hostname() : listenHost;
}
