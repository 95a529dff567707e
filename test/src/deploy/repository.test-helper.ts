/** Paths of the repository the deploy tests read: its root, deploy/k8s and the Dockerfile. */
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The repository root (this file is test/src/deploy/…). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The kustomize tree: base/ and overlays/. */
export const K8S_ROOT = path.join(REPO_ROOT, 'deploy', 'k8s');

/** The overlays an operator applies, by name (deploy/k8s/overlays/<name>). */
export const OVERLAYS = ['cpu', 'gpu'] as const;

/** One of {@link OVERLAYS}. */
export type OverlayName = (typeof OVERLAYS)[number];

/** The folder of `overlay`. */
export function overlayDir(overlay: OverlayName): string {
  return path.join(K8S_ROOT, 'overlays', overlay);
}
