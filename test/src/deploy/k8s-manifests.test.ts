/**
 * deploy/k8s: each overlay renders with `kubectl kustomize`, every object validates against the
 * Kubernetes API schemas (kubernetes-models), and the objects agree with each other, with the
 * mesh config they carry and with the image: probes on the gRPC health port, resources, a
 * non-root read-only pod, Services and PodDisruptionBudgets that select pods, the GPU overlay's
 * nvidia.com/gpu and cuda:0. No cluster is involved: this is what can be checked without one.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { IContainer, IVolume } from 'kubernetes-models/v1';
import { GATEWAY_NODE_FLAGS } from '@infermesh/common';
import { serviceAvailable } from '@infermesh/testkit';
import { kubectlAvailable, renderKustomization } from './kustomize.test-helper.js';
import { schemaProblems } from './k8s-schema.test-helper.js';
import { componentOf, containersOf, envValue, nameOf, Rendered, scriptOf, selects, templateOf, type K8sObject, type Workload } from './k8s-objects.test-helper.js';
import { MESH_CONFIG_KEY, meshConfigMap, meshConfigOf, runnerEntry, spoolDir, type MeshConfigView } from './mesh-config-view.test-helper.js';
import { EXAMPLE_POD, podEnvironment } from './pod-environment.test-helper.js';
import { OVERLAYS, overlayDir, REPO_ROOT, type OverlayName } from './repository.test-helper.js';

const available = serviceAvailable('kubectl (with its built-in kustomize)', kubectlAvailable(), 'install kubectl v1.27 or later');

/** The ports a component's container must expose, from the mesh config: [grpc, metrics or http]. */
function configuredPorts(workload: Workload, mesh: MeshConfigView): { host: string; grpc: number; second: number } {
  const container = containersOf(workload)[0]!;
  switch (componentOf(workload)) {
    case 'gateway':
      return { host: mesh.gateway.host, grpc: mesh.gateway.port, second: mesh.gateway.httpPort };
    case 'registry':
      return { host: mesh.registry.host, grpc: mesh.registry.port, second: mesh.registry.metricsPort };
    case 'sink':
      return { host: mesh.sink.host, grpc: mesh.sink.port, second: mesh.sink.metricsPort };
    case 'runner': {
      const entry = runnerEntry(mesh, envValue(container, 'INFERMESH_RUNNER_NAME'));
      return { host: entry.host, grpc: entry.port, second: entry.metricsPort };
    }
    default:
      throw new Error(`${nameOf(workload)} has no known component label`);
  }
}

/** The paths a workload's process writes to, by the mesh config (and CUDA's cache where set). */
function writtenPaths(workload: Workload, mesh: MeshConfigView): string[] {
  const container = containersOf(workload)[0]!;
  const paths = [mesh.dataDir, '/tmp'];
  if (componentOf(workload) === 'sink') paths.push(spoolDir(mesh));
  if (componentOf(workload) === 'runner') {
    const entry = runnerEntry(mesh, envValue(container, 'INFERMESH_RUNNER_NAME'));
    paths.push(entry.modelRepository);
    if (entry.artifactCache) paths.push(entry.artifactCache.dir);
    const cudaCache = envValue(container, 'CUDA_CACHE_PATH');
    if (cudaCache) paths.push(cudaCache);
  }
  return paths;
}

/** The folders a workload's process needs to exist when it starts (a runner refuses a missing model repository). */
function foldersAtStart(workload: Workload, mesh: MeshConfigView): string[] {
  if (componentOf(workload) !== 'runner') return [mesh.dataDir];
  const entry = runnerEntry(mesh, envValue(containersOf(workload)[0]!, 'INFERMESH_RUNNER_NAME'));
  return [mesh.dataDir, entry.modelRepository, ...(entry.artifactCache ? [entry.artifactCache.dir] : [])];
}

/** The volume (or claim template name) a container has mounted writable at or above `file`. */
function writableMountOf(container: IContainer, file: string): string | undefined {
  const mount = container.volumeMounts
    ?.filter((candidate) => !candidate.readOnly && (file === candidate.mountPath || file.startsWith(`${candidate.mountPath}/`)))
    .sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
  return mount?.name;
}

/** The pod's volumes and the StatefulSet's claim templates, by name. */
function volumesOf(workload: Workload): Map<string, IVolume | 'claim'> {
  const volumes = new Map<string, IVolume | 'claim'>((templateOf(workload).spec?.volumes ?? []).map((volume) => [volume.name, volume]));
  if (workload.kind === 'StatefulSet') {
    for (const claim of workload.spec?.volumeClaimTemplates ?? []) volumes.set(nameOf(claim), 'claim');
  }
  return volumes;
}

describe.skipIf(!available).each(OVERLAYS.map((overlay) => [overlay]))('deploy/k8s/overlays/%s', (overlay: OverlayName) => {
  let rendered: Rendered;
  let mesh: MeshConfigView;

  beforeAll(() => {
    rendered = new Rendered(renderKustomization(overlayDir(overlay)));
    mesh = meshConfigOf(rendered);
  });

  it('renders objects that validate against the Kubernetes API schemas', () => {
    expect(rendered.objects.length).toBeGreaterThan(10);
    const problems = rendered.objects.flatMap((object) => schemaProblems(object).map((problem) => `${object.kind} ${nameOf(object)}: ${problem}`));
    expect(problems).toEqual([]);
  });

  it('would catch an object the API server refuses, and a kind it has no schema for', () => {
    const broken = structuredClone(rendered.workload('infermesh-gateway'));
    containersOf(broken)[0]!.ports![0]!.containerPort = 'grpc' as unknown as number;
    delete (broken.spec as { selector?: unknown }).selector;
    const problems = schemaProblems(broken as unknown as K8sObject).join('; ');
    expect(problems).toMatch(/containerPort must be integer/);
    expect(problems).toMatch(/must have required property selector/);
    expect(schemaProblems({ apiVersion: 'example.com/v1', kind: 'Widget' })).toHaveLength(1);
  });

  it('has a gateway Deployment, Service and autoscaler, a registry and runner Deployments, and a sink StatefulSet', () => {
    expect(rendered.workload('infermesh-gateway').kind).toBe('Deployment');
    expect(rendered.workload('infermesh-registry').kind).toBe('Deployment');
    expect(rendered.workload('infermesh-runner-cpu').kind).toBe('Deployment');
    expect(rendered.workload('infermesh-sink').kind).toBe('StatefulSet');
    expect(rendered.services.map(nameOf)).toEqual(expect.arrayContaining(['infermesh-gateway', 'infermesh-registry', 'infermesh-sink']));
    const [autoscaler, ...others] = rendered.autoscalers;
    expect(others).toEqual([]);
    expect(autoscaler!.spec!.scaleTargetRef).toMatchObject({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'infermesh-gateway' });
    expect(autoscaler!.spec!.minReplicas).toBeLessThanOrEqual(autoscaler!.spec!.maxReplicas);
    // Utilization is a share of the request: without a CPU request the autoscaler has nothing to scale on.
    expect(containersOf(rendered.workload('infermesh-gateway')).every((container) => container.resources?.requests?.cpu !== undefined)).toBe(true);
  });

  it('puts every object in the infermesh namespace, labelled as part of infermesh', () => {
    for (const object of rendered.objects) {
      expect(object.metadata?.labels?.['app.kubernetes.io/part-of'], `${object.kind} ${nameOf(object)}`).toBe('infermesh');
      if (object.kind !== 'Namespace') expect(object.metadata?.namespace, `${object.kind} ${nameOf(object)}`).toBe('infermesh');
    }
    const namespace = rendered.objects.find((object) => object.kind === 'Namespace');
    expect(namespace?.metadata?.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  it('probes every container with gRPC health checks on the port the mesh config gives it, which it exposes', () => {
    for (const workload of rendered.workloads) {
      const ports = configuredPorts(workload, mesh);
      expect(ports.host, `${nameOf(workload)} must listen on every address of its pod`).toBe('0.0.0.0');
      for (const container of containersOf(workload)) {
        const exposed = (container.ports ?? []).map((port) => port.containerPort).sort();
        expect(exposed, nameOf(workload)).toEqual([ports.grpc, ports.second].sort());
        for (const probe of [container.readinessProbe, container.livenessProbe, container.startupProbe]) {
          expect(probe?.grpc?.port, `${nameOf(workload)} probe`).toBe(ports.grpc);
        }
        expect(container.livenessProbe!.failureThreshold! * container.livenessProbe!.periodSeconds!).toBeGreaterThan(
          container.readinessProbe!.failureThreshold! * container.readinessProbe!.periodSeconds!,
        );
      }
    }
  });

  it('gives every container CPU and memory requests within its limits', () => {
    for (const container of rendered.workloads.flatMap(containersOf)) {
      const { requests, limits } = container.resources ?? {};
      for (const resource of ['cpu', 'memory']) {
        expect(requests?.[resource], `${container.name} requests.${resource}`).toBeDefined();
        expect(limits?.[resource], `${container.name} limits.${resource}`).toBeDefined();
      }
      expect(quantity(requests!.cpu!)).toBeLessThanOrEqual(quantity(limits!.cpu!));
      expect(quantity(requests!.memory!)).toBeLessThanOrEqual(quantity(limits!.memory!));
    }
  });

  it('runs every pod as a non-root user with a read-only root, no capabilities and no service account token', () => {
    const accounts = new Map(rendered.serviceAccounts.map((account) => [nameOf(account), account]));
    for (const workload of rendered.workloads) {
      const pod = templateOf(workload).spec!;
      expect(pod.securityContext?.runAsNonRoot, nameOf(workload)).toBe(true);
      expect(pod.securityContext?.runAsUser, nameOf(workload)).toBeGreaterThan(0);
      expect(pod.securityContext?.seccompProfile?.type).toBe('RuntimeDefault');
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(accounts.get(pod.serviceAccountName ?? '')?.automountServiceAccountToken, `${nameOf(workload)}'s service account`).toBe(false);
      for (const container of pod.containers) {
        expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
      }
    }
    // One service account per component.
    const accountOf = new Map<string, Set<string>>();
    for (const workload of rendered.workloads) {
      const names = accountOf.get(componentOf(workload)) ?? new Set<string>();
      accountOf.set(componentOf(workload), names.add(templateOf(workload).spec!.serviceAccountName!));
    }
    const all = [...accountOf.values()].flatMap((names) => [...names]);
    expect(new Set(all).size).toBe(accountOf.size);
  });

  it('mounts a writable volume everywhere a process writes, and at each folder it needs at start, since the root filesystem is read-only', () => {
    for (const workload of rendered.workloads) {
      const volumes = volumesOf(workload);
      for (const container of containersOf(workload)) {
        for (const mount of container.volumeMounts ?? []) expect(volumes.has(mount.name), `${nameOf(workload)} mounts ${mount.name}`).toBe(true);
        for (const file of writtenPaths(workload, mesh)) {
          const volume = writableMountOf(container, file);
          expect(volume, `${nameOf(workload)} writes ${file}`).toBeDefined();
          const source = volumes.get(volume!);
          expect(source === 'claim' || source?.emptyDir !== undefined, `${nameOf(workload)}: ${file} is on ${volume}`).toBe(true);
        }
        // A read-only root cannot hold a folder made in the image, and nothing makes these: each is a mount point.
        const mountPaths = (container.volumeMounts ?? []).map((mount) => mount.mountPath);
        for (const folder of foldersAtStart(workload, mesh)) expect(mountPaths, `${nameOf(workload)} needs ${folder} at start`).toContain(folder);
      }
    }
  });

  it('points INFERMESH_CONFIG of every pod at the mounted mesh config ConfigMap', () => {
    const map = meshConfigMap(rendered);
    expect(map.data?.[MESH_CONFIG_KEY]).toBeDefined();
    for (const workload of rendered.workloads) {
      for (const container of containersOf(workload)) {
        const file = envValue(container, 'INFERMESH_CONFIG');
        expect(path.basename(file ?? ''), nameOf(workload)).toBe(MESH_CONFIG_KEY);
        const mount = container.volumeMounts?.find((candidate) => candidate.mountPath === path.dirname(file!));
        expect(mount?.readOnly).toBe(true);
        const volume = templateOf(workload).spec!.volumes!.find((candidate) => candidate.name === mount!.name);
        expect(volume?.configMap?.name).toBe(nameOf(map));
      }
    }
  });

  it('tells every pod its name, its IP and its node-local Consul agent, with the token from a Secret', () => {
    for (const workload of rendered.workloads) {
      for (const container of containersOf(workload)) {
        const env = container.env ?? [];
        const find = (name: string) => env.find((variable) => variable.name === name);
        expect(find('INFERMESH_INSTANCE_NAME')?.valueFrom?.fieldRef?.fieldPath, nameOf(workload)).toBe('metadata.name');
        expect(find('INFERMESH_ADVERTISE_HOST')?.valueFrom?.fieldRef?.fieldPath, nameOf(workload)).toBe('status.podIP');
        expect(find('HOST_IP')?.valueFrom?.fieldRef?.fieldPath).toBe('status.hostIP');
        // $(HOST_IP) expands only when HOST_IP is defined earlier in the list.
        expect(podEnvironment(container).CONSUL_HTTP_ADDR).toBe(`http://${EXAMPLE_POD['status.hostIP']}:8500`);
        expect(find('CONSUL_HTTP_TOKEN')?.valueFrom?.secretKeyRef).toMatchObject({ name: 'infermesh-consul', key: 'token' });
        for (const key of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) {
          const variable = find(key);
          if (variable) expect(variable.valueFrom?.secretKeyRef?.name, `${nameOf(workload)} ${key}`).toBe('infermesh-s3');
        }
      }
    }
  });

  it('starts each service by its dist/main.js, which the build produces, from a pinned image; the gateway with the heap `infermesh up` gives it', () => {
    const scripts: Record<string, string> = { gateway: 'gateway', registry: 'registry', runner: 'runners', sink: 'sink' };
    for (const workload of rendered.workloads) {
      for (const container of containersOf(workload)) {
        const component = componentOf(workload);
        const nodeFlags = component === 'gateway' ? GATEWAY_NODE_FLAGS : [];
        expect(container.args, nameOf(workload)).toEqual([...nodeFlags, `${scripts[component]}/dist/main.js`]);
        const script = scriptOf(container.args)!;
        expect(existsSync(path.join(REPO_ROOT, script)), `${script} after npm run build`).toBe(true);
        expect(container.image, nameOf(workload)).toMatch(/^[^:]+:(?!latest$)[\w.-]+$/);
      }
    }
  });

  it('selects existing pods with every Service, by ports those pods name', () => {
    for (const service of rendered.services) {
      const workloads = rendered.selectedBy(service.spec?.selector);
      expect(workloads.length, `Service ${nameOf(service)} selects no pods`).toBeGreaterThan(0);
      for (const port of service.spec!.ports!) {
        for (const container of workloads.flatMap(containersOf)) {
          const target = container.ports?.find((candidate) => candidate.name === port.targetPort || candidate.containerPort === port.targetPort);
          expect(target, `Service ${nameOf(service)} port ${port.name}`).toBeDefined();
          expect(port.port).toBe(target!.containerPort);
        }
      }
    }
    // Gateways publish to the sink through its Service.
    expect(mesh.sink.publisher?.address).toBe(`infermesh-sink:${mesh.sink.port}`);
  });

  it('covers every workload by exactly one PodDisruptionBudget that lets one pod go at a time', () => {
    for (const budget of rendered.budgets) {
      expect(rendered.selectedBy(budget.spec?.selector?.matchLabels).length, `PDB ${nameOf(budget)} selects no pods`).toBeGreaterThan(0);
      expect(budget.spec?.maxUnavailable).toBe(1);
    }
    for (const workload of rendered.workloads) {
      const covering = rendered.budgets.filter((budget) => selects(budget.spec?.selector?.matchLabels, templateOf(workload).metadata?.labels));
      expect(covering.map(nameOf), nameOf(workload)).toHaveLength(1);
    }
  });

  it('keeps the sink spool on a volume claim of its StatefulSet, behind a headless Service', () => {
    const sink = rendered.workload('infermesh-sink');
    if (sink.kind !== 'StatefulSet') throw new Error('the sink must be a StatefulSet');
    const claims = sink.spec!.volumeClaimTemplates!.map(nameOf);
    const container = containersOf(sink)[0]!;
    expect(claims).toContain(writableMountOf(container, spoolDir(mesh)));
    const governing = rendered.services.find((service) => nameOf(service) === sink.spec!.serviceName);
    expect(governing?.spec?.clusterIP).toBe('None');
  });

  it('runs CPU runners on device cpu, and GPU runners only in the GPU overlay with one nvidia.com/gpu as cuda:0', () => {
    const runners = rendered.workloads.filter((workload) => componentOf(workload) === 'runner');
    const cpu = containersOf(rendered.workload('infermesh-runner-cpu'))[0]!;
    expect(envValue(cpu, 'INFERMESH_RUNNER_DEVICE')).toBe('cpu');
    expect(runnerEntry(mesh, envValue(cpu, 'INFERMESH_RUNNER_NAME')).device).toBe('cpu');
    expect(cpu.resources?.limits?.['nvidia.com/gpu']).toBeUndefined();
    if (overlay === 'cpu') {
      expect(runners.map(nameOf)).toEqual(['infermesh-runner-cpu']);
      const gpus = rendered.workloads.flatMap(containersOf).filter((container) => container.resources?.limits?.['nvidia.com/gpu'] !== undefined);
      expect(gpus.map((container) => container.name)).toEqual([]);
      return;
    }
    expect(runners.map(nameOf).sort()).toEqual(['infermesh-runner-cpu', 'infermesh-runner-gpu']);
    const gpu = containersOf(rendered.workload('infermesh-runner-gpu'))[0]!;
    expect(envValue(gpu, 'INFERMESH_RUNNER_DEVICE')).toBe('cuda:0');
    expect(runnerEntry(mesh, envValue(gpu, 'INFERMESH_RUNNER_NAME')).device).toBe('cuda:0');
    expect(gpu.resources?.limits?.['nvidia.com/gpu']).toBe(1);
    expect(gpu.resources?.requests?.['nvidia.com/gpu'] ?? 1).toBe(1);
  });
});

/** A Kubernetes quantity (`500m`, `2`, `256Mi`, `1Gi`) as a number, for comparisons. */
function quantity(value: string | number): number {
  if (typeof value === 'number') return value;
  const match = /^(\d+(?:\.\d+)?)(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(value);
  if (!match) throw new Error(`unreadable quantity ${value}`);
  const scale: Record<string, number> = { m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };
  return Number(match[1]) * (match[2] ? scale[match[2]]! : 1);
}
