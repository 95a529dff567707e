/**
 * Renders a kustomization the way `kubectl apply -k` would: `kubectl kustomize <dir>` (the
 * kustomize built into kubectl), its YAML stream parsed into plain objects.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { parseAllDocuments } from 'yaml';
import type { K8sObject } from './k8s-objects.test-helper.js';

/** Whether `kubectl` runs here (`kubectl version --client`). */
export function kubectlAvailable(): boolean {
  const probe = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore', timeout: 60_000 });
  return probe.status === 0;
}

/** Every object `kubectl kustomize dir` renders; a kustomize error or a YAML error throws. */
export function renderKustomization(dir: string): K8sObject[] {
  const rendered = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', timeout: 120_000, maxBuffer: 16 * 1024 * 1024 });
  return parseAllDocuments(rendered).map((document, index) => {
    if (document.errors.length > 0) throw new Error(`document ${index} of ${dir}: ${document.errors[0]!.message}`);
    const object = document.toJS() as K8sObject | null;
    if (!object || typeof object.kind !== 'string' || typeof object.apiVersion !== 'string') {
      throw new Error(`document ${index} of ${dir} is not a Kubernetes object`);
    }
    return object;
  });
}
