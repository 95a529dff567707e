/** One passing instance of a Consul service, read from a `/v1/health/service/<name>` answer. */

/** A service instance as the mesh uses it. */
export interface ServiceInstance {
  /** Consul's service ID, unique on its agent. */
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

/** One health entry (`{ Node, Service, Checks }`), or undefined when it lacks what dialing it needs. */
function instanceOf(entry: unknown): ServiceInstance | undefined {
  if (typeof entry !== 'object' || entry === null) return undefined;
  const { Node: node, Service: service } = entry as { Node?: { Address?: unknown }; Service?: Record<string, unknown> };
  if (typeof service !== 'object' || service === null) return undefined;
  const id = text(service.ID);
  const host = text(service.Address) ?? text(node?.Address);
  const port = service.Port;
  if (!id || !host || typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65_535) return undefined;
  const tags = Array.isArray(service.Tags) ? service.Tags.flatMap((tag) => text(tag) ?? []).slice(0, 64) : [];
  const meta: Record<string, string> = {};
  if (typeof service.Meta === 'object' && service.Meta !== null) {
    for (const [key, value] of Object.entries(service.Meta as Record<string, unknown>).slice(0, 64)) {
      const kept = text(value);
      if (kept !== undefined && key.length <= 128) meta[key] = kept;
    }
  }
  return { id, host, port, tags, meta };
}

/** The instances of a health answer that can be dialled, in ID order, at most {@link MAX_INSTANCES}. */
export function instancesOf(body: unknown): ServiceInstance[] {
  if (!Array.isArray(body)) return [];
  return body
    .slice(0, MAX_INSTANCES)
    .flatMap((entry) => instanceOf(entry) ?? [])
    .sort((a, b) => a.id.localeCompare(b.id));
}

/** `host:port`, with brackets around an IPv6 host. */
export function instanceAddress(instance: Pick<ServiceInstance, 'host' | 'port'>): string {
  return instance.host.includes(':') ? `[${instance.host}]:${instance.port}` : `${instance.host}:${instance.port}`;
}
