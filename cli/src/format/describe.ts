/** How the CLI words the registry's messages: statuses, shares, versions, times, signatures. */
import type { Model__Output, ModelVersion__Output, Rollout__Output, TensorSpec__Output } from '@infermesh/proto/registry';

/** `serving` for VERSION_STATUS_SERVING. */
export const statusName = (status: string) => status.replace(/^VERSION_STATUS_/, '').toLowerCase();

/** Basis points as a percentage: 1000 → `10 %`, 1250 → `12.5 %`. */
export const percent = (bp: number) => `${Number((bp / 100).toFixed(2))} %`;

/** An epoch-ms value (a string from the wire) as local `YYYY-MM-DD HH:MM:SS`. */
export function time(ms: string | number): string {
  const date = new Date(Number(ms));
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** `1.2 MiB` */
export function size(bytes: string | number): string {
  const value = Number(bytes);
  if (value >= 1024 ** 3) return `${(value / 1024 ** 3).toFixed(1)} GiB`;
  if (value >= 1024 ** 2) return `${(value / 1024 ** 2).toFixed(1)} MiB`;
  if (value >= 1024) return `${(value / 1024).toFixed(1)} KiB`;
  return `${value} B`;
}

/** `input FP32 [-1,64]` */
export const tensor = (spec: TensorSpec__Output) => `${spec.name} ${spec.datatype} [${spec.shape.join(',')}]`;

/** `input FP32 [-1,64] → output FP32 [-1,10]`: what a version takes and gives. */
export const signature = (version: ModelVersion__Output) => `${version.inputs.map(tensor).join(', ')} → ${version.outputs.map(tensor).join(', ')}`;

/** What share of calls a version gets by its rollout: `stable 90 %`, `canary 10 %`, `rule x-pin=v1`, or `-`. */
export function traffic(rollout: Rollout__Output | null, version: number): string {
  if (!rollout) return '-';
  const parts: string[] = [];
  const canaryShare = rollout.canary_version > 0 ? rollout.canary_weight_bp : 0;
  if (version === rollout.stable_version) parts.push(`stable ${percent(10_000 - canaryShare)}`);
  if (version === rollout.canary_version) parts.push(`canary ${percent(canaryShare)}`);
  if (version === rollout.shadow_version) parts.push(`shadow ${percent(rollout.shadow_share_bp)} (copies)`);
  for (const rule of rollout.rules) {
    if (rule.version === version || (rule.canary && version === rollout.canary_version)) parts.push(`rule ${rule.header}${rule.value ? `=${rule.value}` : ''}`);
  }
  return parts.length > 0 ? parts.join(', ') : '-';
}

/** `stable v1, canary v2 at 10 % (sticky by x-user; 2 header rules)` */
export function rolloutLine(model: Model__Output): string {
  const rollout = model.rollout;
  if (!rollout || rollout.stable_version === 0) return 'no stable version yet';
  const parts = [`stable v${rollout.stable_version}`];
  if (rollout.canary_version > 0) parts.push(`canary v${rollout.canary_version} at ${percent(rollout.canary_weight_bp)}`);
  if (rollout.shadow_version > 0) parts.push(`shadow v${rollout.shadow_version} at ${percent(rollout.shadow_share_bp)}`);
  const extras: string[] = [];
  if (rollout.sticky_header) extras.push(`sticky by ${rollout.sticky_header}`);
  if (rollout.rules.length > 0) extras.push(`${rollout.rules.length} header rule${rollout.rules.length === 1 ? '' : 's'}`);
  if (rollout.promotion?.enabled) extras.push(`promotion policy${rollout.promotion.auto_promote ? ', auto-promote' : ''}`);
  return `${parts.join(', ')}${extras.length > 0 ? ` (${extras.join('; ')})` : ''}`;
}

/** The version record of a model, if it has it. */
export const versionOf = (model: Model__Output, version: number): ModelVersion__Output | undefined =>
  model.versions.find((v) => v.version === version);

/** The cells `models list` and `status` both start a version's row with: model, version, status, traffic, runners. */
export function versionCells(model: Model__Output, version: ModelVersion__Output): string[] {
  return [
    model.name,
    String(version.version),
    statusName(version.status),
    traffic(model.rollout, version.version),
    version.runners.length > 0 ? version.runners.join(', ') : '-',
  ];
}
