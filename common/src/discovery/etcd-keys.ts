/** Where instances live in etcd: `<prefix>/services/<service>/<instance>`, each value the instance as JSON. */
import { checkedInstance, type ServiceInstance } from './service-instance.js';

/** Values past this size are no instance this code wrote: skipped. */
export const MAX_INSTANCE_VALUE_BYTES = 16 * 1024;

/** The key prefix under which `service`'s instances live, with its trailing slash. */
export function serviceKeyPrefix(prefix: string, service: string): string {
  return `${prefix}/services/${service}/`;
}

/** The key of one instance. */
export function instanceKey(prefix: string, service: string, id: string): string {
  return `${serviceKeyPrefix(prefix, service)}${id}`;
}

/** The value put for an instance. */
export function instanceValue(instance: ServiceInstance): string {
  const { id, host, port, tags, meta } = instance;
  return JSON.stringify({ id, host, port, tags, meta });
}

/** The instance a value holds, or undefined when it is not one (too large, not JSON, no address). */
export function instanceOfValue(value: Buffer): ServiceInstance | undefined {
  if (value.length > MAX_INSTANCE_VALUE_BYTES) return undefined;
  try {
    const parsed = JSON.parse(value.toString('utf8')) as Record<string, unknown>;
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    return checkedInstance({ id: parsed.id, host: parsed.host, port: parsed.port, tags: parsed.tags, meta: parsed.meta });
  } catch {
    return undefined;
  }
}
