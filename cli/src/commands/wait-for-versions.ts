/**
 * Waits until versions are loaded on their runners after a rollout change, with a progress
 * bar of runners ready, and says why when a runner cannot load one.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { RegistryClient } from '@infermesh/client';
import { wantedReplicas } from '@infermesh/common';
import type { ModelVersion__Output } from '@infermesh/proto/registry';
import { CliError } from '../cli-error.js';
import { statusName, versionOf } from '../format/index.js';
import { progressBar } from '../progress.js';
import { say } from '../output.js';

const POLL_MS = 250;

/**
 * Resolves once every version is ready on all its runners; rejects after `timeoutMs`, or as soon
 * as one fails (rolled back, or every runner failed to load it: the registry says why).
 */
export async function waitForVersions(client: RegistryClient, model: string, versions: number[], timeoutMs: number): Promise<void> {
  for (const number of versions) {
    const deadline = Date.now() + timeoutMs;
    let bar: ReturnType<typeof progressBar> | undefined;
    let lastReason = '';
    let ready: ModelVersion__Output;
    try {
      for (;;) {
        const [found, runners] = await Promise.all([client.getModel(model), client.listRunners()]);
        const version = versionOf(found, number);
        if (!version) throw new CliError(`${model} has no version ${number}`);
        const status = statusName(version.status);
        // One runner at least: a version no live runner matches yet is not ready.
        const wanted = Math.max(1, wantedReplicas(version, runners.filter((r) => r.live)).wanted);
        bar ??= progressBar(`loading ${model} v${number}`, wanted, 'runners');
        bar.update(Math.min(version.runners.length, wanted), wanted);
        if ((status === 'ready' || status === 'serving') && version.runners.length >= wanted) {
          ready = version;
          break;
        }
        if (status === 'failed') {
          throw new CliError(`${model} v${number} failed: ${version.status_reason} (the rollout change is saved; see infermesh models show ${model})`);
        }
        if (status === 'retired') throw new CliError(`${model} v${number} is retired: ${version.status_reason}`);
        if (version.status_reason !== '' && version.status_reason !== lastReason) {
          lastReason = version.status_reason;
          if (!process.stderr.isTTY) say(`${model} v${number}: ${lastReason}`);
        }
        if (Date.now() > deadline) {
          throw new CliError(`${model} v${number} is still ${status} after ${timeoutMs / 1000} s${lastReason ? `: ${lastReason}` : ''} (the rollout change is saved; see infermesh models show ${model})`);
        }
        await sleep(POLL_MS);
      }
    } finally {
      bar?.stop();
    }
    say(`${model} v${number} is ready on ${ready.runners.join(', ')}`);
  }
}
