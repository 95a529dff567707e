/** The lines `infermesh models import-triton` prints about each model, and its summary. */
import { describeConfig } from './config-yaml.js';
import type { ModelPlan } from './plan-model.js';

/** A model's outcome once the import is over. */
export interface ModelOutcome {
  name: string;
  outcome: 'imported' | 'skipped' | 'failed';
}

const versionList = (plan: ModelPlan) =>
  plan.versions.map((v) => `v${v.version}${plan.alreadyRegistered.includes(v.version) ? ' (already registered)' : ''}`).join(', ');

function placement(plan: ModelPlan): string {
  const { device, replicas } = plan.mapped!.placement;
  return `device ${device}${replicas > 0 ? `, replicas ${replicas}` : ''}`;
}

/** The indented lines under a model: folders passed over, unsupported fields, notes. */
function detailLines(plan: ModelPlan): string[] {
  return [
    ...plan.skippedEntries.map(({ entry, reason }) => `  skipped folder '${entry}': ${reason}`),
    ...plan.notes.unsupported.map(({ field, reason }) => `  unsupported ${field}: ${reason}`),
    ...plan.notes.notes.map((note) => `  note: ${note}`),
  ];
}

/** What a model came to: `simple: imported v1 (device any; max_batch_size 8)`, then its details. */
export function modelLines(plan: ModelPlan, verb: 'imported' | 'would import'): string[] {
  const head =
    plan.outcome === 'import'
      ? `${plan.name}: ${verb} ${versionList(plan)} (${placement(plan)}; ${describeConfig(plan.mapped!.config)})`
      : `${plan.name}: ${plan.outcome === 'failed' ? 'FAILED' : 'skipped'}: ${plan.reason}`;
  return [head, ...detailLines(plan)];
}

/** The config text a dry run shows. */
export function configLines(plan: ModelPlan): string[] {
  if (plan.configYaml === '') return ["  config_yaml: (empty: infermesh's defaults)"];
  return ['  config_yaml:', ...plan.configYaml.trimEnd().split('\n').map((line) => `    ${line}`)];
}

/** `3 imported (a, b, c), 1 skipped (d), 0 failed` */
export function summaryLine(outcomes: readonly ModelOutcome[], verb: 'imported' | 'to import'): string {
  const part = (outcome: ModelOutcome['outcome'], label: string) => {
    const names = outcomes.filter((o) => o.outcome === outcome).map((o) => o.name);
    return `${names.length} ${label}${names.length > 0 ? ` (${names.join(', ')})` : ''}`;
  };
  return `${part('imported', verb)}, ${part('skipped', 'skipped')}, ${part('failed', 'failed')}`;
}
