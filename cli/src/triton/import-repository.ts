/**
 * Importing a Triton model repository: plan every model, register each that can be, then
 * put the version Triton's policy would serve into service. One model's trouble never
 * stops the others; each ends imported, skipped or failed, with the reason.
 */
import { stat } from 'node:fs/promises';
import type { Attribution, RegistryClient } from '@infermesh/client';
import { CliError, explain } from '../cli-error.js';
import { ImportRefusal } from './import-notes.js';
import { modelLines, type ModelOutcome } from './import-report.js';
import { planModel, type ModelPlan } from './plan-model.js';
import { listModelFolders } from './read-repository.js';
import { registerModel } from './register-model.js';
import { finishServing, requestServing, type ServingStep } from './serve-model.js';

/** How to import. */
export interface ImportOptions {
  /** Make the served version stable and wait for it to load. */
  serve: boolean;
  /** How long to wait for a version to load on its runners. */
  waitTimeoutMs: number;
  /** Who imports, for the registry's records. */
  by: Attribution;
  /** Where lines of output go. */
  say: (line: string) => void;
}

/** Plans the models of the repository at `root` (only those in `only`, when given), by name. */
export async function planRepository(root: string, only?: readonly string[]): Promise<ModelPlan[]> {
  if (!(await stat(root).catch(() => undefined))?.isDirectory()) throw new CliError(`no model repository at '${root}' (expected a folder of <model>/config.pbtxt and <model>/<version>/model.onnx)`);
  let folders = await listModelFolders(root);
  if (only) {
    const missing = only.filter((name) => !folders.some((folder) => folder.name === name));
    if (missing.length > 0) throw new CliError(`no model folder ${missing.map((name) => `'${name}'`).join(', ')} in '${root}' (it has: ${folders.map((f) => f.name).join(', ') || 'none'})`);
    folders = folders.filter((folder) => only.includes(folder.name));
  }
  if (folders.length === 0) throw new CliError(`'${root}' has no model folders`);
  const plans: ModelPlan[] = [];
  for (const folder of folders) plans.push(await planModel(folder));
  return plans;
}

const fail = (plan: ModelPlan, reason: string) => Object.assign(plan, { outcome: 'failed', reason });

/** Puts each registered model's version in service: every load is asked for first, then awaited. */
async function serveAll(client: RegistryClient, plans: ModelPlan[], options: ImportOptions): Promise<void> {
  const steps = new Map<ModelPlan, ServingStep>();
  for (const plan of plans) {
    try {
      steps.set(plan, await requestServing(client, plan.name, plan.stable, options.by));
    } catch (error) {
      options.say(`${plan.name}: FAILED: registered, but not served: ${explain(error, client.address)}`);
      fail(plan, `not served: ${explain(error, client.address)}`);
    }
  }
  for (const [plan, step] of steps) {
    try {
      options.say(await finishServing(client, plan.name, plan.stable, step, options.waitTimeoutMs, options.by));
    } catch (error) {
      options.say(`${plan.name}: FAILED: registered, but v${plan.stable} did not come into service: ${explain(error, client.address)}`);
      fail(plan, `v${plan.stable} did not come into service: ${explain(error, client.address)}`);
    }
  }
}

/** Registers (and serves, unless told not to) every planned model; resolves with each model's outcome. */
export async function importRepository(client: RegistryClient, plans: ModelPlan[], options: ImportOptions): Promise<ModelOutcome[]> {
  // Asked first so that an unreachable registry stops the command once, not once per model.
  const known = new Map((await client.listModels()).map((model) => [model.name, model.rollout?.stable_version ?? 0]));
  for (const plan of plans) {
    if (plan.outcome === 'import') {
      try {
        await registerModel(client, plan, options.by.actor ?? '');
      } catch (error) {
        fail(plan, error instanceof ImportRefusal ? error.message : explain(error, client.address));
      }
    }
    for (const line of modelLines(plan, 'imported')) options.say(line);
  }
  const registered = plans.filter((plan) => plan.outcome === 'import');
  if (options.serve) await serveAll(client, registered, options);
  else {
    for (const plan of registered) {
      const stable = known.get(plan.name) ?? 0;
      if (stable === plan.stable) options.say(`${plan.name}: v${plan.stable} is stable already`);
      else {
        const how = stable === 0 ? `--stable ${plan.stable}` : `--canary ${plan.stable} (then promote it)`;
        options.say(`${plan.name}: not served (--no-serve); serve v${plan.stable} with: infermesh rollout set ${plan.name} ${how}`);
      }
    }
  }
  return plans.map((plan) => ({ name: plan.name, outcome: plan.outcome === 'import' ? 'imported' : plan.outcome }));
}
