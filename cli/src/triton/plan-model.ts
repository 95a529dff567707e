/**
 * What importing one model folder will do, decided before anything is registered: its
 * config mapped, its versions found, the version that will serve, and everything worth
 * saying about it. `--dry-run` prints this and stops.
 */
import { MODEL_NAME_RULE } from '@infermesh/common';
import { toConfigYaml } from './config-yaml.js';
import { ImportNotes, ImportRefusal } from './import-notes.js';
import { PbtxtError } from './pbtxt-error.js';
import { parsePbtxt } from './pbtxt.js';
import { readConfigText, scanVersions, type ModelFolder, type SkippedEntry, type VersionFile } from './read-repository.js';
import { defaultMapping, mapTritonConfig, type MappedModel } from './triton-config.js';
import { describePolicy, servedVersions } from './version-policy.js';

/** One model's import, planned. */
export interface ModelPlan {
  name: string;
  /** `import` when it can be registered; otherwise why not in `reason`. */
  outcome: 'import' | 'skipped' | 'failed';
  reason: string;
  mapped?: MappedModel;
  /** The runner model config registered with every version ('' for the defaults). */
  configYaml: string;
  versions: VersionFile[];
  /** Versions the registry already had with the same bytes (filled in while registering). */
  alreadyRegistered: number[];
  skippedEntries: SkippedEntry[];
  /** The newest version Triton's version policy serves: the one made stable. */
  stable: number;
  notes: ImportNotes;
}

async function mapFolder(folder: ModelFolder, notes: ImportNotes): Promise<MappedModel> {
  if (!folder.configFile) return defaultMapping(notes);
  const text = await readConfigText(folder.root, folder.configFile);
  try {
    return mapTritonConfig(parsePbtxt(text), folder.name, notes);
  } catch (error) {
    if (error instanceof PbtxtError) throw new ImportRefusal('failed', `config.pbtxt ${error.message}`);
    throw error;
  }
}

/** Plans the import of one model folder; never throws for a problem of the model itself. */
export async function planModel(folder: ModelFolder): Promise<ModelPlan> {
  const notes = new ImportNotes();
  const plan: ModelPlan = { name: folder.name, outcome: 'import', reason: '', configYaml: '', versions: [], alreadyRegistered: [], skippedEntries: [], stable: 0, notes };
  const refuse = (outcome: 'skipped' | 'failed', reason: string) => Object.assign(plan, { outcome, reason });
  if (!MODEL_NAME_RULE.test(folder.name)) return refuse('failed', 'not a valid infermesh model name (letters, digits, _ . -; at most 128 characters)');
  try {
    plan.mapped = await mapFolder(folder, notes);
  } catch (error) {
    if (error instanceof ImportRefusal) return refuse(error.outcome, error.message);
    return refuse('failed', (error as Error).message);
  }
  plan.configYaml = toConfigYaml(plan.mapped.config);

  const found = await scanVersions(folder.root, folder.dir, plan.mapped.modelFilename);
  plan.versions = found.versions;
  plan.skippedEntries = found.skipped;
  const numbers = found.versions.map((v) => v.version);
  if (numbers.length === 0) return refuse('failed', `no version folder holds ${plan.mapped.modelFilename}`);
  const served = servedVersions(plan.mapped.versionPolicy, numbers);
  if (served.length === 0) {
    return refuse('failed', `version_policy ${describePolicy(plan.mapped.versionPolicy)} serves none of the versions found (${numbers.join(', ')})`);
  }
  plan.stable = served.at(-1)!;
  if (served.length > 1) {
    notes.note(
      `Triton serves versions ${served.join(', ')} at once; infermesh serves the stable one (v${plan.stable}), and another only once a rollout uses it (canary or header rule)`,
    );
  }
  return plan;
}
