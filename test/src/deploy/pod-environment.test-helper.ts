/**
 * The environment a container's process would see in a pod, worked out as the kubelet does:
 * literal values with `$(NAME)` expanded from the variables above them, downward-API fields from
 * the pod, and Secret keys as placeholders.
 */
import type { IContainer } from 'kubernetes-models/v1';

/** The pod fields the manifests read through the downward API. */
export interface PodFields {
  'metadata.name': string;
  'metadata.namespace': string;
  'status.podIP': string;
  'status.hostIP': string;
}

/** A pod as the downward API would describe it, for tests. */
export const EXAMPLE_POD: PodFields = {
  'metadata.name': 'infermesh-example-7d9f8-abcde',
  'metadata.namespace': 'infermesh',
  'status.podIP': '10.244.1.17',
  'status.hostIP': '10.0.0.5',
};

/** `container`'s environment in `pod`; a Secret key reads as `<secret>/<key>`. */
export function podEnvironment(container: IContainer, pod: PodFields = EXAMPLE_POD): Record<string, string> {
  const env: Record<string, string> = {};
  for (const variable of container.env ?? []) {
    const field = variable.valueFrom?.fieldRef?.fieldPath;
    const secret = variable.valueFrom?.secretKeyRef;
    if (variable.value !== undefined) {
      // Kubernetes expands $(NAME) only from variables defined earlier; others stay as written.
      env[variable.name] = variable.value.replace(/\$\((\w+)\)/g, (whole, name: string) => env[name] ?? whole);
    } else if (field) {
      const value = pod[field as keyof PodFields];
      if (value === undefined) throw new Error(`${variable.name}: no example value for the pod field ${field}`);
      env[variable.name] = value;
    } else if (secret) {
      env[variable.name] = `${secret.name}/${secret.key}`;
    } else {
      throw new Error(`${variable.name}: a source this helper does not know`);
    }
  }
  return env;
}
