/**
 * ModelConfig at the gateway: one runner's config of the version, with the mesh-wide parts
 * (instance groups over every runner serving it, the versions routed to) filled in here.
 */
import type { Metadata } from '@grpc/grpc-js';
import type { ModelConfigResponse, ModelConfigResponse__Output, ModelInstanceGroup } from '@infermesh/proto';
import { metadataHeaders, type Router } from '../Router.js';
import type { RunnerEndpoint } from '../RunnerEndpoint.js';
import { cudaDeviceId, unaryCall } from '@infermesh/common';

/** Instance groups of a version across `runners`: one CPU group, one GPU group per instance count. */
export function instanceGroups(model: string, version: string, runners: readonly RunnerEndpoint[]): ModelInstanceGroup[] {
  let cpuInstances = 0;
  const gpusByCount = new Map<number, Set<number>>();
  for (const runner of runners) {
    const held = runner.status?.models.find((m) => m.name === model && m.version === version && m.state === 'READY');
    if (!held) continue;
    const gpu = cudaDeviceId(held.device);
    if (gpu === undefined) {
      cpuInstances += held.instances;
      continue;
    }
    const gpus = gpusByCount.get(held.instances) ?? new Set<number>();
    gpus.add(gpu);
    gpusByCount.set(held.instances, gpus);
  }
  const groups: ModelInstanceGroup[] = [];
  if (cpuInstances > 0) groups.push({ name: `${model}_cpu`, kind: 'KIND_CPU', count: cpuInstances, gpus: [] });
  [...gpusByCount.entries()].forEach(([count, gpus], i) =>
    groups.push({ name: `${model}_gpu${i}`, kind: 'KIND_GPU', count, gpus: [...gpus].sort((a, b) => a - b) }),
  );
  return groups;
}

/** The config of the version a call without one would run (or the one named). */
export async function modelConfig(
  router: Router,
  request: { name: string; version: string },
  call: { metadata: Metadata; getDeadline(): Date | number },
): Promise<ModelConfigResponse> {
  const { version } = router.chooseVersion(request.name, request.version, metadataHeaders(call.metadata));
  const runner = router.pickRunner(request.name, version, new Set());
  const response = await unaryCall<ModelConfigResponse__Output>((done) =>
    runner.inference.ModelConfig({ name: request.name, version }, { deadline: call.getDeadline() }, done),
  );
  const groups = instanceGroups(request.name, version, router.runnersFor(request.name, version));
  return {
    config: {
      ...response.config,
      instance_group: groups.length > 0 ? groups : (response.config?.instance_group ?? []),
      version_policy: { specific: { versions: router.versions(request.name) } },
    },
  };
}
