/**
 * One live instance of a service, whichever backend lists it: read from a Consul
 * `/v1/health/service/<name>` answer, or from the JSON value of an etcd key.
 */

/** A service instance as the mesh uses it. */
export interface ServiceInstance {
  /** Unique within its service: Consul's service ID, or the last segment of the etcd key. */
  id: string;
  /** Where to dial it: the service's address, else its node's. */
  host: string;
  port: number;
  tags: string[];
  meta: Record<string, string>;
}

/** Answers past this many instances are cut: a mesh this large is not what the code was sized for. */
export const MAX_INSTANCES = 10_000;
const MAX_TEXT = 512;

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_TEXT ? value : undefined;
}

/** The fields of an instance as a backend holds them, checked: undefined when dialing it is impossible. */
export function checkedInstance(fields: { id: unknown; host: unknown; port: unknown; tags: unknown; meta: unknown }): ServiceInstance | undefined {
  const id = text(fields.id);
  const host = text(fields.host);
  const port = fields.port;
  if (!id || !host || typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65_535) return undefined;
  const tags = Array.isArray(fields.tags) ? fields.tags.flatMap((tag) => text(tag) ?? []).slice(0, 64) : [];
  const meta: Record<string, string> = {};
  if (typeof fields.meta === 'object' && fields.meta !== null) {
    for (const [key, value] of Object.entries(fields.meta as Record<string, unknown>).slice(0, 64)) {
      const kept = text(value);
      if (kept !== undefined && key.length <= 128) meta[key] = kept;
    }
  }
  return { id, host, port, tags, meta };
}

/** One health entry (`{ Node, Service, Checks }`), or undefined when it lacks what dialing it needs. */
function instanceOf(entry: unknown): ServiceInstance | undefined {
  if (typeof entry !== 'object' || entry === null) return undefined;
  const { Node: node, Service: service } = entry as { Node?: { Address?: unknown }; Service?: Record<string, unknown> };
  if (typeof service !== 'object' || service === null) return undefined;
  return checkedInstance({ id: service.ID, host: text(service.Address) ?? node?.Address, port: service.Port, tags: service.Tags, meta: service.Meta });
}

/** Instances in ID order, at most {@link MAX_INSTANCES}: the one order every backend reports in. */
export function orderedInstances(instances: Iterable<ServiceInstance>): ServiceInstance[] {
  return [...instances].sort((a, b) => a.id.localeCompare(b.id)).slice(0, MAX_INSTANCES);
}

/** The instances of a health answer that can be dialled, in ID order, at most {@link MAX_INSTANCES}. */
export function instancesOf(body: unknown): ServiceInstance[] {
  if (!Array.isArray(body)) return [];
  return orderedInstances(body.slice(0, MAX_INSTANCES).flatMap((entry) => instanceOf(entry) ?? []));
}

/** True when two sets (each in {@link orderedInstances} order) list the same instances alike. */
export function sameInstances(a: readonly ServiceInstance[], b: readonly ServiceInstance[]): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** `host:port`, with brackets around an IPv6 host. */
export function instanceAddress(instance: Pick<ServiceInstance, 'host' | 'port'>): string {
  return instance.host.includes(':') ? `[${instance.host}]:${instance.port}` : `${instance.host}:${instance.port}`;
}
