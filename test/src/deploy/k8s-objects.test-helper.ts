/** Rendered Kubernetes objects, and the lookups the manifest tests make on them. */
import type { IDeployment, IStatefulSet } from 'kubernetes-models/apps/v1';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1';
import type { IConfigMap, IContainer, IPodTemplateSpec, IService, IServiceAccount } from 'kubernetes-models/v1';

/** Any object of a rendered manifest, before its kind is known. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

/** A Deployment or a StatefulSet: what runs pods. */
export type Workload = IDeployment | IStatefulSet;

/** The objects of `kind` (trusted to be of that shape once they validate against the schema). */
function ofKind<T>(objects: K8sObject[], kind: string): T[] {
  return objects.filter((object) => object.kind === kind) as unknown as T[];
}

/** Lookups over one rendered overlay. */
export class Rendered {
  constructor(readonly objects: K8sObject[]) {}

  get workloads(): Workload[] {
    return [...ofKind<IDeployment>(this.objects, 'Deployment'), ...ofKind<IStatefulSet>(this.objects, 'StatefulSet')];
  }

  get services(): IService[] {
    return ofKind<IService>(this.objects, 'Service');
  }

  get budgets(): IPodDisruptionBudget[] {
    return ofKind<IPodDisruptionBudget>(this.objects, 'PodDisruptionBudget');
  }

  get autoscalers(): IHorizontalPodAutoscaler[] {
    return ofKind<IHorizontalPodAutoscaler>(this.objects, 'HorizontalPodAutoscaler');
  }

  get serviceAccounts(): IServiceAccount[] {
    return ofKind<IServiceAccount>(this.objects, 'ServiceAccount');
  }

  get configMaps(): IConfigMap[] {
    return ofKind<IConfigMap>(this.objects, 'ConfigMap');
  }

  /** The workload named `name`; throws when there is none, so a test names what is missing. */
  workload(name: string): Workload {
    const found = this.workloads.find((workload) => workload.metadata?.name === name);
    if (!found) throw new Error(`no Deployment or StatefulSet named ${name}; rendered: ${this.workloads.map(nameOf).join(', ')}`);
    return found;
  }

  /** The workloads whose pods `selector` selects. */
  selectedBy(selector: Record<string, string> | undefined): Workload[] {
    return this.workloads.filter((workload) => selects(selector, templateOf(workload).metadata?.labels));
  }
}

/** `object`'s metadata.name ('' when unnamed). */
export function nameOf(object: { metadata?: { name?: string } }): string {
  return object.metadata?.name ?? '';
}

/** The pod template of a workload. */
export function templateOf(workload: Workload): IPodTemplateSpec {
  const template = workload.spec?.template;
  if (!template) throw new Error(`${workload.kind} ${nameOf(workload)} has no pod template`);
  return template;
}

/** The containers of a workload's pods. */
export function containersOf(workload: Workload): IContainer[] {
  return templateOf(workload).spec?.containers ?? [];
}

/** The component a workload runs (its app.kubernetes.io/component label). */
export function componentOf(workload: Workload): string {
  return templateOf(workload).metadata?.labels?.['app.kubernetes.io/component'] ?? '';
}

/** Whether an equality selector selects pods with `labels`: every pair present; an empty selector selects nothing here. */
export function selects(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  const pairs = Object.entries(selector ?? {});
  return pairs.length > 0 && pairs.every(([key, value]) => labels?.[key] === value);
}

/** The value of the environment variable `name` in `container`, when it has a literal one. */
export function envValue(container: IContainer, name: string): string | undefined {
  return container.env?.find((variable) => variable.name === name)?.value;
}

/** The script a `node` command line runs (a container's args, the image's CMD): its first argument that is no node flag. */
export function scriptOf(args: readonly string[] | undefined): string | undefined {
  return args?.find((arg) => !arg.startsWith('-'));
}
