/**
 * Registering a model version: check the request, get the artifact into the registry's
 * artifact store (from a path, a URL or an upload), check its sha256, read its signature by
 * loading it (or take it from a version with the same bytes), and add the version to the state. Versions are immutable: the same number with other
 * bytes is refused, the same number with the same bytes answers the existing version.
 */
import { MAX_ACTOR_CHARS, modelConfigYamlProblems, ServiceError, type PolicyConfig } from '@infermesh/common';
import type { RegisterVersionRequest__Output } from '@infermesh/proto/registry';
import type { ArtifactStore, StoredArtifact } from '../artifacts/ArtifactStore.js';
import { readSignature } from '../artifacts/read-signature.js';
import type { Registry } from '../Registry.js';
import {
  checkDevice,
  checkLabels,
  checkLength,
  checkModelName,
  MAX_ARTIFACT_CHARS,
  MAX_CONFIG_YAML_BYTES,
} from '../state/checks.js';
import { NO_PROMOTION_POLICY, type ModelRecord, type RegistryState, type VersionRecord } from '../state/registry-state.js';

/** A RegisterVersion or PushVersion header that passed the checks. */
export interface VersionOrder {
  model: string;
  /** 0 = the next number. */
  version: number;
  artifact: string;
  sha256: string;
  configYaml: string;
  labels: Record<string, string>;
  replicas: number;
  device: string;
  actor: string;
  sizeBytes: number;
}

/** Checks a request; every error names the field. */
export function checkVersionOrder(request: RegisterVersionRequest__Output): VersionOrder {
  checkModelName(request.model);
  if (request.artifact_of_version > 0) {
    if (request.artifact !== '') throw ServiceError.invalidArgument('artifact: must be empty when artifact_of_version is set');
  } else if (request.artifact === '') throw ServiceError.invalidArgument('artifact: required (a path on the registry\'s machine or an http(s) URL)');
  checkLength(request.artifact, MAX_ARTIFACT_CHARS, 'artifact');
  const sha256 = request.sha256.toLowerCase();
  if (sha256 !== '' && !/^[0-9a-f]{64}$/.test(sha256)) throw ServiceError.invalidArgument('sha256: expected 64 hexadecimal digits');
  const configBytes = Buffer.byteLength(request.config_yaml, 'utf8');
  if (configBytes > MAX_CONFIG_YAML_BYTES) {
    throw ServiceError.invalidArgument(`config_yaml: ${configBytes} bytes is over the limit of ${MAX_CONFIG_YAML_BYTES}`);
  }
  // The runners' own schema: a config every runner would refuse at load is refused here, before anything is stored.
  const problems = modelConfigYamlProblems(request.config_yaml);
  if (problems.length > 0) throw ServiceError.invalidArgument(`config_yaml: ${problems.join('; ')}`);
  checkLabels(request.labels);
  if (request.replicas > 10_000) throw ServiceError.invalidArgument(`replicas: ${request.replicas} is over the limit of 10000`);
  checkLength(request.actor, MAX_ACTOR_CHARS, 'actor');
  return {
    model: request.model,
    version: request.version,
    artifact: request.artifact_of_version > 0 ? `version:${request.artifact_of_version}` : request.artifact,
    sha256,
    configYaml: request.config_yaml,
    labels: { ...request.labels },
    replicas: request.replicas,
    device: checkDevice(request.device),
    actor: request.actor || 'unknown',
    sizeBytes: Number(request.size_bytes),
  };
}

/**
 * The stored artifact of another version of the order's model, for a version registered with
 * `artifact_of_version`: nothing is copied, and the file stays while either version uses it.
 */
export function artifactOfVersion(registry: Registry, model: string, version: number): StoredArtifact {
  const source = registry.current.models[model]?.versions.find((v) => v.version === version);
  if (!source) throw ServiceError.notFound(`artifact_of_version: model '${model}' has no version ${version}`);
  return { path: source.artifactPath, location: source.artifactPath, sha256: source.sha256, sizeBytes: source.sizeBytes, created: false };
}

/** What registering needs from the registry. */
export interface RegisterContext {
  registry: Registry;
  artifacts: ArtifactStore;
  defaultReplicas: number;
  defaultPolicy: PolicyConfig;
}

function newModel(name: string, policy: PolicyConfig): ModelRecord {
  return {
    name,
    versions: [],
    rollout: { stableVersion: 0, canaryVersion: 0, canaryWeightBp: 0, rules: [], stickyHeader: '', policy: { ...policy }, updatedAtMs: 0, updatedBy: '', shadowVersion: 0, shadowShareBp: 0, promotion: { ...NO_PROMOTION_POLICY } },
    history: [],
  };
}

function referenced(state: Readonly<RegistryState>, artifactPath: string): boolean {
  return Object.values(state.models).some((model) => model.versions.some((v) => v.artifactPath === artifactPath));
}

/** A registered version with these bytes: its signature is the artifact's, read once already. */
function versionWithBytes(state: Readonly<RegistryState>, sha256: string): VersionRecord | undefined {
  for (const model of Object.values(state.models)) {
    const found = model.versions.find((v) => v.sha256 === sha256);
    if (found) return found;
  }
  return undefined;
}

/**
 * Registers a version whose artifact `obtain` brings into the registry's folder. The
 * artifact is removed again when the registration fails and nothing else uses it.
 */
export async function registerVersion(
  context: RegisterContext,
  order: VersionOrder,
  obtain: () => Promise<StoredArtifact>,
): Promise<{ version: VersionRecord; created: boolean }> {
  const existing = context.registry.current.models[order.model]?.versions.find((v) => v.version === order.version);
  if (existing && order.sha256 !== '' && existing.sha256 === order.sha256) return { version: existing, created: false };

  const artifact = await obtain();
  try {
    if (order.sha256 !== '' && artifact.sha256 !== order.sha256) {
      throw ServiceError.invalidArgument(`sha256: the artifact's sha256 is ${artifact.sha256}, not the expected ${order.sha256}`);
    }
    const twin = versionWithBytes(context.registry.current, artifact.sha256);
    const signature = twin ? { inputs: twin.inputs, outputs: twin.outputs } : await readSignature(artifact.path);
    return await context.registry.mutate((draft) => {
      const model = (draft.models[order.model] ??= newModel(order.model, context.defaultPolicy));
      const number = order.version === 0 ? Math.max(0, ...model.versions.map((v) => v.version)) + 1 : order.version;
      const same = model.versions.find((v) => v.version === number);
      if (same) {
        if (same.sha256 === artifact.sha256) return { version: same, created: false };
        throw ServiceError.alreadyExists(
          `model '${order.model}' version ${number} already exists with sha256 ${same.sha256}; versions never change, register a new version number`,
        );
      }
      const version: VersionRecord = {
        model: order.model,
        version: number,
        source: order.artifact,
        artifactPath: artifact.location,
        sha256: artifact.sha256,
        sizeBytes: artifact.sizeBytes,
        inputs: signature.inputs,
        outputs: signature.outputs,
        configYaml: order.configYaml,
        labels: order.labels,
        replicas: order.replicas === 0 ? context.defaultReplicas : order.replicas,
        device: order.device,
        createdAtMs: Date.now(),
        createdBy: order.actor,
        status: 'registered',
        statusReason: '',
      };
      model.versions.push(version);
      model.versions.sort((a, b) => a.version - b.version);
      return { version, created: true };
    });
  } catch (error) {
    if (!referenced(context.registry.current, artifact.location)) await context.artifacts.discard(artifact);
    throw error;
  } finally {
    await context.artifacts.release(artifact);
  }
}
