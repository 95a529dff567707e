/** `infermesh rollout set | promote | rollback | history`. */
import { InvalidArgumentError, type Command } from 'commander';
import type { RolloutField } from '@infermesh/common';
import type { Rollout } from '@infermesh/proto/registry';
import { currentActor } from '../actor.js';
import { CliError } from '../cli-error.js';
import { eventJson, percent, rolloutJson, rolloutLine, table, time } from '../format/index.js';
import { integer, percentage, positiveNumber, rule, versionOrNone, type RuleOption } from '../parse-options.js';
import { emit, say } from '../output.js';
import { withRegistry } from '../with-registry.js';
import { waitForVersions } from './wait-for-versions.js';

interface SetOptions {
  stable?: number;
  canary?: number;
  weight?: number;
  stickyHeader?: string;
  rule?: RuleOption[];
  clearRules?: boolean;
  autoRollback?: 'on' | 'off';
  maxErrorRate?: number;
  maxP99Ratio?: number;
  minRequests?: number;
  window?: number;
  shadow?: number;
  shadowShare?: number;
  promotionPolicy?: 'on' | 'off';
  autoPromote?: 'on' | 'off';
  promoteMinCalls?: number;
  promoteMinAgreement?: number;
  promoteMaxErrorRate?: number;
  promoteMaxP99Ratio?: number;
  promoteWindow?: number;
  reason?: string;
  force?: boolean;
  wait: boolean;
  waitTimeout: number;
}

const onOff = (value: string) => {
  if (value !== 'on' && value !== 'off') throw new InvalidArgumentError('expected on or off');
  return value;
};

export function rolloutCommand(program: Command): void {
  const rollout = program.command('rollout').description('which version gets which share of traffic');

  rollout
    .command('set')
    .description('change a model\'s rollout: stable, canary and weight, header rules, sticky key, auto-rollback policy')
    .argument('<model>', 'model name')
    .option('--stable <version>', 'the stable version (a model\'s first, or one that is ready: else make it the canary and promote it)', integer(1))
    .option('--canary <version>', "the canary version, or 'none'", versionOrNone)
    .option('--weight <percent>', 'share of calls to the canary, 0 to 100', percentage)
    .option('--sticky-header <name>', "metadata header whose value keeps a caller on one version, or 'none'")
    .option('--rule <spec>', 'header rule header[=value]:version or header[=value]:canary (repeatable; replaces the rules)', rule)
    .option('--clear-rules', 'remove every header rule')
    .option('--auto-rollback <on|off>', 'roll the canary back automatically when it breaks the policy', onOff)
    .option('--max-error-rate <percent>', 'policy: largest share of failed canary calls', percentage)
    .option('--max-p99-ratio <ratio>', "policy: largest canary p99 as a multiple of stable's (0: not checked)", positiveNumber)
    .option('--min-requests <n>', 'policy: canary calls in the window before it is judged', integer(1))
    .option('--window <seconds>', 'policy: the sliding window judged', integer(1))
    .option('--shadow <version>', "a version that gets copies of answered calls, compared and never returned; or 'none'", versionOrNone)
    .option('--shadow-share <percent>', 'share of answered calls copied to the shadow, 0 to 100', percentage)
    .option('--promotion-policy <on|off>', 'refuse promote until the candidate (canary, else shadow) meets the promotion conditions', onOff)
    .option('--auto-promote <on|off>', 'promotion: promote by itself as soon as every condition holds', onOff)
    .option('--promote-min-calls <n>', 'promotion: shadow plus canary calls of the candidate in the window', integer(0))
    .option('--promote-min-agreement <percent>', "promotion: least share of shadow answers that agree with the primary's", percentage)
    .option('--promote-max-error-rate <percent>', "promotion: largest share of the candidate's calls that fail", percentage)
    .option('--promote-max-p99-ratio <ratio>', "promotion: largest candidate p99 as a multiple of stable's (0: not checked)", positiveNumber)
    .option('--promote-window <seconds>', 'promotion: the sliding window judged', integer(1))
    .option('--reason <text>', 'why, for the history')
    .option('--force', "take a canary or stable version whose signature is not compatible with stable's (callers' requests may fail)")
    .option('--no-wait', 'return at once instead of waiting for the versions to load')
    .option('--wait-timeout <seconds>', 'how long to wait for the versions to load', integer(1), 300)
    .action((model: string, options: SetOptions, command: Command) =>
      withRegistry(command, async (client) => {
        const change: Rollout = {};
        const fields: RolloutField[] = [];
        const set = <K extends RolloutField & keyof Rollout>(field: K, value: Rollout[K]) => {
          change[field] = value;
          fields.push(field);
        };
        if (options.stable !== undefined) set('stable_version', options.stable);
        if (options.canary !== undefined) set('canary_version', options.canary);
        if (options.weight !== undefined) set('canary_weight_bp', options.weight);
        if (options.stickyHeader !== undefined) set('sticky_header', options.stickyHeader === 'none' ? '' : options.stickyHeader);
        if (options.rule || options.clearRules) set('rules', options.rule ?? []);
        const policyChanged = [options.autoRollback, options.maxErrorRate, options.maxP99Ratio, options.minRequests, options.window].some((v) => v !== undefined);
        if (policyChanged) {
          const current = (await client.getModel(model)).rollout!.policy!;
          set('policy', {
            enabled: options.autoRollback === undefined ? current.enabled : options.autoRollback === 'on',
            max_error_rate: options.maxErrorRate === undefined ? current.max_error_rate : options.maxErrorRate / 10_000,
            max_p99_ratio: options.maxP99Ratio ?? current.max_p99_ratio,
            min_requests: options.minRequests ?? current.min_requests,
            window_ms: options.window === undefined ? current.window_ms : options.window * 1000,
          });
        }
        if (options.shadow !== undefined) set('shadow_version', options.shadow);
        // A shadow named without a share gets every call: that is what a shadow is for, mostly.
        if (options.shadowShare !== undefined || (options.shadow !== undefined && options.shadow > 0)) set('shadow_share_bp', options.shadowShare ?? 10_000);
        const promotionOptions = [options.promotionPolicy, options.autoPromote, options.promoteMinCalls, options.promoteMinAgreement, options.promoteMaxErrorRate, options.promoteMaxP99Ratio, options.promoteWindow];
        if (promotionOptions.some((v) => v !== undefined)) {
          const current = (await client.getModel(model)).rollout!.promotion!;
          set('promotion', {
            // Naming a condition turns the policy on, unless --promotion-policy off says otherwise.
            enabled: options.promotionPolicy === undefined ? true : options.promotionPolicy === 'on',
            auto_promote: options.autoPromote === undefined ? current.auto_promote : options.autoPromote === 'on',
            min_calls: options.promoteMinCalls ?? current.min_calls,
            min_agreement: options.promoteMinAgreement === undefined ? current.min_agreement : options.promoteMinAgreement / 10_000,
            max_error_rate: options.promoteMaxErrorRate === undefined ? current.max_error_rate : options.promoteMaxErrorRate / 10_000,
            max_p99_ratio: options.promoteMaxP99Ratio ?? current.max_p99_ratio,
            window_ms: options.promoteWindow === undefined ? current.window_ms : options.promoteWindow * 1000,
          });
        }
        if (fields.length === 0) throw new CliError('nothing to change: give --stable, --canary, --weight, --rule, --sticky-header, --shadow, a policy or a promotion option');
        const updated = await client.setRollout(model, change, fields, { actor: currentActor(), reason: options.reason ?? '', force: options.force === true });
        say(`${model}: ${rolloutLine(updated)}`);
        // Versions this change puts in use are loaded now; wait for them unless told not to.
        const loading = new Set<number>();
        if (options.stable !== undefined) loading.add(options.stable);
        if (options.canary) loading.add(options.canary);
        if (options.shadow) loading.add(options.shadow);
        if (options.wait && loading.size > 0) await waitForVersions(client, model, [...loading], options.waitTimeout * 1000);
        emit({ model, rollout: rolloutJson(updated.rollout) });
      }),
    );

  rollout
    .command('promote')
    .description('make the canary (or, without one, the shadow) the stable version; refused while a promotion policy is not met')
    .argument('<model>', 'model name')
    .option('--reason <text>', 'why, for the history')
    .action((model: string, options: { reason?: string }, command: Command) =>
      withRegistry(command, async (client) => {
        const before = (await client.getModel(model)).rollout!;
        const after = await client.promote(model, { actor: currentActor(), reason: options.reason ?? '' });
        say(`${model}: v${after.rollout!.stable_version} is now stable (was v${before.stable_version}); it takes every call without a rule`);
        const evidence = (await client.history(model, 1))[0]?.evidence;
        if (evidence) say(`evidence: ${evidence}`);
        emit({ model, previous_stable_version: before.stable_version, rollout: rolloutJson(after.rollout) });
      }),
    );

  rollout
    .command('rollback')
    .description('send no more calls to the canary and mark it failed')
    .argument('<model>', 'model name')
    .option('--reason <text>', 'why, for the history')
    .action((model: string, options: { reason?: string }, command: Command) =>
      withRegistry(command, async (client) => {
        const before = (await client.getModel(model)).rollout!;
        const after = await client.rollback(model, { actor: currentActor(), reason: options.reason ?? '' });
        say(`${model}: rolled back canary v${before.canary_version}; stable v${after.rollout!.stable_version} takes every call`);
        emit({ model, rolled_back_version: before.canary_version, rollout: rolloutJson(after.rollout) });
      }),
    );

  rollout
    .command('history')
    .description('rollout events: when, what, who and why')
    .argument('<model>', 'model name')
    .option('--limit <n>', 'newest events to show', integer(1), 50)
    .action((model: string, options: { limit: number }, command: Command) =>
      withRegistry(command, async (client) => {
        const events = await client.history(model, options.limit);
        const rows = events.map((e) => [
          time(e.at_ms),
          e.action === 'SET' ? 'SET' : `${e.action} v${e.version}`,
          e.actor,
          e.stable_version > 0 ? `v${e.stable_version}` : '-',
          e.canary_version > 0 ? `v${e.canary_version} ${percent(e.canary_weight_bp)}` : '-',
          e.shadow_version > 0 ? `v${e.shadow_version} ${percent(e.shadow_share_bp)}` : '-',
          [e.reason, e.evidence].filter(Boolean).join(' | ') || '-',
        ]);
        emit({ model, events: events.map(eventJson) }, () =>
          rows.length === 0 ? `${model} has no rollout events yet` : table(['TIME', 'ACTION', 'BY', 'STABLE', 'CANARY', 'SHADOW', 'REASON'], rows),
        );
      }),
    );
}
