/** Records for unit tests of the registry's pure logic. @internal */
import { NO_PROMOTION_POLICY, type ModelRecord, type RunnerRecord, type VersionRecord } from './registry-state.js';
import type { OperationContext } from './rollout-operations.js';

/** A registered version of `model`. */
export function versionRecord(model: string, version: number, overrides: Partial<VersionRecord> = {}): VersionRecord {
  return {
    model,
    version,
    source: `/models/${model}-${version}.onnx`,
    artifactPath: `/data/registry/artifacts/${model}-${version}.onnx`,
    sha256: String(version).padStart(64, '0'),
    sizeBytes: 1_000,
    inputs: [],
    outputs: [],
    configYaml: '',
    labels: {},
    replicas: 0,
    device: 'any',
    createdAtMs: 0,
    createdBy: 'test',
    status: 'registered',
    statusReason: '',
    ...overrides,
  };
}

/** A model with versions 1..`count` and no rollout yet. */
export function modelRecord(name: string, count: number): ModelRecord {
  return {
    name,
    versions: Array.from({ length: count }, (_, i) => versionRecord(name, i + 1)),
    rollout: {
      stableVersion: 0,
      canaryVersion: 0,
      canaryWeightBp: 0,
      rules: [],
      stickyHeader: '',
      policy: { enabled: true, maxErrorRate: 0.05, maxP99Ratio: 3, minRequests: 100, windowMs: 60_000 },
      updatedAtMs: 0,
      updatedBy: '',
      shadowVersion: 0,
      shadowShareBp: 0,
      promotion: { ...NO_PROMOTION_POLICY },
    },
    history: [],
  };
}

/** A runner holding the given versions READY from their registry artifacts. */
export function runnerRecord(name: string, device: string, held: VersionRecord[]): RunnerRecord {
  return {
    name,
    address: `127.0.0.1:${9000 + name.length}`,
    device,
    memoryBytes: 0,
    version: '0.1.0',
    registeredAtMs: 0,
    versions: held.map((v) => ({ model: v.model, version: v.version, state: 'READY', artifactPath: v.artifactPath })),
  };
}

/** An operation by `tester` at t=1000 where the versions in `ready` are ready somewhere. */
export function operation(ready: number[] = [], reason = ''): OperationContext {
  return { nowMs: 1_000, actor: 'tester', reason, historyLimit: 5, isReady: (_model, version) => ready.includes(version) };
}

/** What an operation throws, as `<code> <details>`, or 'no error'. */
export function errorDetails(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return `${(error as { code: number }).code} ${(error as { details: string }).details}`;
  }
  return 'no error';
}
