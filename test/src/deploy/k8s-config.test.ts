/**
 * The mesh config each overlay's ConfigMap carries, loaded by the project's own loader with the
 * environment each pod would have (readEnvironment + loadConfig, as every service's main does):
 * it must pass the strict schema for every workload, pick the right runner entry and device, and
 * hold the Consul store, Consul discovery, the S3 artifact store and the runners' artifact caches.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, readEnvironment, type ResolvedConfig } from '@infermesh/common';
import { serviceAvailable } from '@infermesh/testkit';
import { componentOf, containersOf, nameOf, Rendered, type Workload } from './k8s-objects.test-helper.js';
import { kubectlAvailable, renderKustomization } from './kustomize.test-helper.js';
import { MESH_CONFIG_KEY, meshConfigText } from './mesh-config-view.test-helper.js';
import { EXAMPLE_POD, podEnvironment } from './pod-environment.test-helper.js';
import { OVERLAYS, overlayDir, type OverlayName } from './repository.test-helper.js';

const available = serviceAvailable('kubectl (with its built-in kustomize)', kubectlAvailable(), 'install kubectl v1.27 or later');

describe.skipIf(!available).each(OVERLAYS.map((overlay) => [overlay]))('mesh config of deploy/k8s/overlays/%s', (overlay: OverlayName) => {
  let rendered: Rendered;
  let folder: string;
  let file: string;

  /** The config `workload`'s process loads: its pod's environment, INFERMESH_CONFIG pointed at the ConfigMap's text here. */
  function loadAs(workload: Workload): ResolvedConfig {
    const env = { ...podEnvironment(containersOf(workload)[0]!), INFERMESH_CONFIG: file };
    const overrides = readEnvironment(env);
    return loadConfig(overrides.configFile!, overrides);
  }

  beforeAll(() => {
    rendered = new Rendered(renderKustomization(overlayDir(overlay)));
    folder = mkdtempSync(path.join(tmpdir(), 'infermesh-k8s-config-'));
    file = path.join(folder, MESH_CONFIG_KEY);
    writeFileSync(file, meshConfigText(rendered));
  });

  afterAll(() => {
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('loads for every workload with the environment of its pods', () => {
    for (const workload of rendered.workloads) {
      expect(() => loadAs(workload), nameOf(workload)).not.toThrow();
    }
  });

  it('gives each runner Deployment its runner entry and device, each pod registered under its own name', () => {
    for (const workload of rendered.workloads.filter((candidate) => componentOf(candidate) === 'runner')) {
      const runner = loadAs(workload).runner();
      const expected = nameOf(workload) === 'infermesh-runner-gpu' ? { device: 'cuda:0', entry: 'gpu' } : { device: 'cpu', entry: 'cpu' };
      // INFERMESH_RUNNER_NAME picks the shared runners[] entry; INFERMESH_INSTANCE_NAME (the pod's name) names the runner.
      expect(runner, nameOf(workload)).toMatchObject({ device: expected.device, host: '0.0.0.0', name: EXAMPLE_POD['metadata.name'] });
      expect(runner?.artifactCache?.dir, nameOf(workload)).toBeDefined();
      expect(loadAs(workload).env.runnerName, nameOf(workload)).toBe(expected.entry);
    }
  });

  it('keeps the registry in Consul and artifacts in S3, with Consul discovery and a cache on every runner', () => {
    const config = loadAs(rendered.workload('infermesh-registry'));
    expect(config.registry.config).toMatchObject({
      store: { type: 'consul', prefix: 'infermesh/registry', sessionTtlSeconds: 15 },
      artifacts: { store: { type: 's3', bucket: 'infermesh-artifacts' } },
    });
    expect(config.mesh).toMatchObject({ discovery: { type: 'consul' }, consul: { address: expect.stringMatching(/^http:\/\//) } });
    for (const runner of config.mesh.runners) {
      expect(runner, runner.name).toMatchObject({ artifactCache: { dir: '/var/cache/infermesh/artifacts', maxBytes: expect.any(Number) } });
    }
  });

  it('leaves the Consul address and token to each pod\'s environment (its node\'s agent, the Secret)', () => {
    const env = podEnvironment(containersOf(rendered.workload('infermesh-gateway'))[0]!);
    expect(env.CONSUL_HTTP_ADDR).toBe(`http://${EXAMPLE_POD['status.hostIP']}:8500`);
    expect(env.CONSUL_HTTP_TOKEN).toBe('infermesh-consul/token');
    expect(env.INFERMESH_ADVERTISE_HOST).toBe(EXAMPLE_POD['status.podIP']);
  });
});
