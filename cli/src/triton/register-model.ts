/**
 * Registers every version of one planned model with the registry, uploading each file as
 * `infermesh models push` does (the registry may be on another machine), and checks each
 * signature the registry read against config.pbtxt. A mismatch retires what this import
 * registered of the model, with the reason, and fails the model.
 */
import type { RegistryClient } from '@infermesh/client';
import { MAX_REASON_CHARS } from '@infermesh/common';
import type { ModelVersion__Output } from '@infermesh/proto/registry';
import { explain } from '../cli-error.js';
import { uploadVersion } from '../upload-version.js';
import { signatureMismatches } from './check-signature.js';
import { ImportRefusal } from './import-notes.js';
import type { ModelPlan } from './plan-model.js';

/** Marks versions that came from a Triton repository. */
export const IMPORT_LABELS = { 'imported-from': 'triton' };

/** Retires the versions this import created; says which could not be. */
async function retireCreated(client: RegistryClient, model: string, created: number[], reason: string, actor: string): Promise<string> {
  const failures: string[] = [];
  for (const version of created) {
    await client.retireVersion(model, version, { actor, reason: reason.slice(0, MAX_REASON_CHARS) }).catch((error: unknown) => failures.push(`v${version}: ${explain(error, client.address)}`));
  }
  if (created.length === 0) return '';
  const retired = created.length - failures.length;
  return `; retired ${retired} version${retired === 1 ? '' : 's'} it registered${failures.length > 0 ? ` (could not retire ${failures.join(', ')})` : ''}`;
}

/**
 * Registers the plan's versions, oldest first. Resolves with the registry's records, and
 * notes in the plan a version that was already registered with the same bytes; rejects with
 * ImportRefusal('failed') once one version fails or does not match config.pbtxt.
 */
export async function registerModel(client: RegistryClient, plan: ModelPlan, actor: string): Promise<ModelVersion__Output[]> {
  const { mapped } = plan;
  const registered: ModelVersion__Output[] = [];
  const created: number[] = [];
  for (const { version, file, sizeBytes } of plan.versions) {
    const header = {
      model: plan.name,
      version,
      sha256: '',
      config_yaml: plan.configYaml,
      labels: IMPORT_LABELS,
      replicas: mapped!.placement.replicas,
      device: mapped!.placement.device,
      actor,
    };
    let record: ModelVersion__Output;
    try {
      const response = await uploadVersion(client, header, file, { label: `uploading ${plan.name} v${version}`, sizeBytes });
      record = response.version!;
      if (response.created) created.push(version);
      else {
        plan.alreadyRegistered.push(version);
        if (record.config_yaml !== plan.configYaml || record.device !== header.device) {
          plan.notes.note(`v${version} keeps the config and device it was first registered with (versions never change)`);
        }
      }
    } catch (error) {
      const retired = await retireCreated(client, plan.name, created, `import from Triton failed at v${version}`, actor);
      throw new ImportRefusal('failed', `v${version}: ${explain(error, client.address)}${retired}`);
    }
    registered.push(record);
    const mismatches = signatureMismatches(mapped!, record);
    if (mismatches.length > 0) {
      const reason = `config.pbtxt does not match the ONNX file of v${version}: ${mismatches.join('; ')}`;
      throw new ImportRefusal('failed', `${reason}${await retireCreated(client, plan.name, created, reason, actor)}`);
    }
  }
  return registered;
}
