/** `infermesh models push | list | show | retire | import-triton`. */
import { statSync } from 'node:fs';
import type { Command } from 'commander';
import type { Model__Output, ModelVersion__Output } from '@infermesh/proto/registry';
import { currentActor } from '../actor.js';
import { CliError } from '../cli-error.js';
import { modelJson, percent, rolloutLine, signature, size, statusName, table, tensor, time, traffic, versionCells, versionJson, versionOf } from '../format/index.js';
import { configFile, integer, label } from '../parse-options.js';
import { uploadVersion } from '../upload-version.js';
import { emit, say } from '../output.js';
import { withRegistry } from '../with-registry.js';
import { importTritonCommand } from './import-triton.js';

interface PushOptions {
  version?: number;
  modelConfig?: string;
  label?: Record<string, string>;
  replicas?: number;
  device?: string;
  sha256?: string;
}

/** One row per version: what it is, where it runs and what share of calls it gets. */
export function versionRows(models: readonly Model__Output[]): string[][] {
  return models.flatMap((model) =>
    model.versions.map((v) => [...versionCells(model, v), v.sha256.slice(0, 12), time(v.created_at_ms)]),
  );
}

function describeVersion(model: Model__Output, v: ModelVersion__Output): string[] {
  const lines = [
    `v${v.version}  ${statusName(v.status)}${v.status_reason ? ` (${v.status_reason})` : ''}`,
    `  traffic    ${traffic(model.rollout, v.version)}`,
    `  runners    ${v.runners.length > 0 ? v.runners.join(', ') : 'none'} (replicas ${v.replicas === 0 ? 'every matching runner' : v.replicas}, device ${v.device})`,
    `  inputs     ${v.inputs.map(tensor).join('; ')}`,
    `  outputs    ${v.outputs.map(tensor).join('; ')}`,
    `  artifact   ${v.source} (${size(v.size_bytes)}, sha256 ${v.sha256})`,
    `  created    ${time(v.created_at_ms)} by ${v.created_by}`,
  ];
  const labels = Object.entries(v.labels);
  if (labels.length > 0) lines.push(`  labels     ${labels.map(([key, value]) => `${key}=${value}`).join(', ')}`);
  if (v.config_yaml.trim() !== '') lines.push(`  config     ${v.config_yaml.trim().split('\n').join('\n             ')}`);
  return lines;
}

/** `models show`'s text: the rollout, its rules and policy, then every version. */
function describeModel(model: Model__Output): string[] {
  const rollout = model.rollout!;
  const lines = [`${model.name}: ${rolloutLine(model)}`];
  for (const rule of rollout.rules) {
    lines.push(`  rule: ${rule.header}${rule.value ? `=${rule.value}` : ' (any value)'} → ${rule.canary ? 'canary' : `v${rule.version}`}`);
  }
  const policy = rollout.policy;
  if (policy) {
    lines.push(
      policy.enabled
        ? `  auto-rollback: error rate over ${percent(policy.max_error_rate * 10_000)}` +
            `, INVALID_ARGUMENT share over stable's by ${percent(policy.max_error_rate * 10_000)}` +
            `${policy.max_p99_ratio > 0 ? ` or p99 over ${policy.max_p99_ratio}× stable` : ''}, after ${policy.min_requests} canary calls, over ${policy.window_ms / 1000} s`
        : '  auto-rollback: off',
    );
  }
  if (rollout.updated_by) lines.push(`  last change: ${time(rollout.updated_at_ms)} by ${rollout.updated_by}`);
  for (const version of model.versions) lines.push('', ...describeVersion(model, version));
  return lines;
}

/**
 * The command that puts a freshly pushed version into service, as the model stands: the first
 * version becomes stable directly (a canary needs a stable version beside it); a later one
 * becomes the canary. '' when it is in service already.
 */
export function nextStep(model: Model__Output, version: number): string {
  const rollout = model.rollout;
  if (!rollout || rollout.stable_version === 0) return `serve it with: infermesh rollout set ${model.name} --stable ${version}`;
  if (rollout.stable_version === version || rollout.canary_version === version) return '';
  return `make it the canary with: infermesh rollout set ${model.name} --canary ${version} --weight 5`;
}

export function modelsCommand(program: Command): void {
  const models = program.command('models').description('model versions in the registry');

  models
    .command('push')
    .description('register a version from a local .onnx file (uploaded) or an http(s) URL (downloaded by the registry)')
    .argument('<name>', 'model name')
    .argument('<artifact>', '.onnx file or http(s) URL')
    .option('--version <n>', 'version number (default: one more than the newest)', integer(1))
    .option('--model-config <file>', 'runner model config (YAML: max_batch_size, instances, warmup, ...)', configFile)
    .option('--label <key=value>', 'a label (repeatable)', label)
    .option('--replicas <n>', 'runners that hold it while a rollout uses it (0: every matching runner)', integer(0))
    .option('--device <device>', 'any, cpu, cuda or cuda:N')
    .option('--sha256 <hex>', 'expected sha256 of the artifact')
    .action((name: string, artifact: string, options: PushOptions, command: Command) =>
      withRegistry(command, async (client) => {
        const header = {
          model: name,
          version: options.version ?? 0,
          sha256: options.sha256 ?? '',
          config_yaml: options.modelConfig ?? '',
          labels: options.label ?? {},
          replicas: options.replicas ?? 0,
          device: options.device ?? '',
          actor: currentActor(),
        };
        let response;
        if (/^https?:\/\//i.test(artifact)) {
          say(`the registry is downloading ${artifact} ...`);
          response = await client.registerVersion({ ...header, artifact });
        } else {
          let bytes: number;
          try {
            bytes = statSync(artifact).size;
          } catch {
            throw new CliError(`no file at '${artifact}'`);
          }
          response = await uploadVersion(client, header, artifact, {
            label: `uploading ${artifact}`,
            sizeBytes: bytes,
            onSent: () => say('uploaded; the registry is checking it and loading it to read its signature ...'),
          });
        }
        const v = response.version!;
        if (!response.created) say(`${name} v${v.version} is already registered with these bytes (sha256 ${v.sha256})`);
        else say(`registered ${name} v${v.version} (${size(v.size_bytes)}, sha256 ${v.sha256}): ${signature(v)}`);
        const model = await client.getModel(name);
        const stable = versionOf(model, model.rollout?.stable_version ?? 0);
        if (stable && stable.version !== v.version && signature(stable) !== signature(v)) {
          say(`warning: its signature differs from stable v${stable.version}'s (${signature(stable)}); callers must change their requests before it takes traffic`);
        }
        const next = nextStep(model, v.version);
        if (next) say(next);
        emit({ created: response.created, version: versionJson(model, versionOf(model, v.version) ?? v), next: next || null });
      }),
    );

  models
    .command('list')
    .description('every model version: status, share of traffic, runners')
    .action((_options: unknown, command: Command) =>
      withRegistry(command, async (client) => {
        const all = await client.listModels();
        emit({ models: all.map(modelJson) }, () =>
          all.length === 0
            ? 'no models registered yet; add one with: infermesh models push <name> <file.onnx>'
            : table(['MODEL', 'VERSION', 'STATUS', 'TRAFFIC', 'RUNNERS', 'SHA256', 'CREATED'], versionRows(all)),
        );
      }),
    );

  models
    .command('show')
    .description('a model: its rollout and every version in detail')
    .argument('<name>', 'model name')
    .action((name: string, _options: unknown, command: Command) =>
      withRegistry(command, async (client) => {
        const model = await client.getModel(name);
        emit(modelJson(model), () => describeModel(model).join('\n'));
      }),
    );

  models
    .command('retire')
    .description('take a version out of service for good (no rollout may use it)')
    .argument('<name>', 'model name')
    .argument('<version>', 'version number', integer(1))
    .option('--reason <text>', 'why, for the history')
    .action((name: string, version: number, options: { reason?: string }, command: Command) =>
      withRegistry(command, async (client) => {
        await client.retireVersion(name, version, { actor: currentActor(), reason: options.reason ?? '' });
        const model = await client.getModel(name);
        emit(versionJson(model, versionOf(model, version)!), () => `retired ${name} v${version}; runners unload it`);
      }),
    );

  importTritonCommand(models);
}
