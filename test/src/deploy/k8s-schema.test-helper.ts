/**
 * Validation of rendered objects against the Kubernetes API's OpenAPI schemas, as compiled by
 * the kubernetes-models package: types, required fields, enums and formats (int32, quantities).
 * Those schemas do not reject unknown fields, which the API server's strict field validation
 * would; the manifest tests assert the fields that matter are present.
 */
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, Service, ServiceAccount } from 'kubernetes-models/v1';
import type { K8sObject } from './k8s-objects.test-helper.js';

interface Validatable {
  validate(): void;
}

/** The models of the kinds deploy/k8s uses, by `apiVersion/kind`. A kind not here is an error, not a pass. */
const MODELS: Record<string, (data: never) => Validatable> = {
  'apps/v1/Deployment': (data) => new Deployment(data),
  'apps/v1/StatefulSet': (data) => new StatefulSet(data),
  'autoscaling/v2/HorizontalPodAutoscaler': (data) => new HorizontalPodAutoscaler(data),
  'policy/v1/PodDisruptionBudget': (data) => new PodDisruptionBudget(data),
  'v1/ConfigMap': (data) => new ConfigMap(data),
  'v1/Namespace': (data) => new Namespace(data),
  'v1/Service': (data) => new Service(data),
  'v1/ServiceAccount': (data) => new ServiceAccount(data),
};

/** What is wrong with `object` against its kind's schema; empty when it validates. */
export function schemaProblems(object: K8sObject): string[] {
  const model = MODELS[`${object.apiVersion}/${object.kind}`];
  if (!model) return [`no schema known for ${object.apiVersion} ${object.kind} (add its kubernetes-models class to k8s-schema.test-helper.ts)`];
  try {
    model(object as never).validate();
    return [];
  } catch (error) {
    return [error instanceof Error ? error.message : String(error)];
  }
}
