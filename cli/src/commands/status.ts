/** `infermesh status`: every model version with its share of traffic, runners and devices; every runner. */
import type { Command } from 'commander';
import { modelJson, runnerJson, statusName, table, versionCells } from '../format/index.js';
import { emit } from '../output.js';
import { withRegistry } from '../with-registry.js';

export function statusCommand(program: Command): void {
  program
    .command('status')
    .description('models, versions, weights, runners and devices, as the registry sees them')
    .action((_options: unknown, command: Command) =>
      withRegistry(command, async (client) => {
        const [models, runners] = await Promise.all([client.listModels(), client.listRunners()]);
        const deviceOf = new Map(runners.map((r) => [r.name, r.device]));
        const rows = models.flatMap((model) =>
          model.versions
            .filter((v) => statusName(v.status) !== 'retired')
            .map((v) => [...versionCells(model, v), [...new Set(v.runners.map((name) => deviceOf.get(name) ?? '?'))].join(', ') || '-']),
        );
        const modelText = rows.length > 0 ? table(['MODEL', 'VERSION', 'STATUS', 'TRAFFIC', 'RUNNERS', 'DEVICES'], rows) : 'no models registered yet';
        const runnerRows = runners.map((r) => [
          r.name,
          r.address,
          r.device,
          r.live ? 'live' : 'lease expired',
          r.versions.filter((v) => v.state === 'READY').map((v) => `${v.model}:${v.version}`).join(' ') || '-',
        ]);
        const runnerText = runnerRows.length > 0 ? table(['RUNNER', 'ADDRESS', 'DEVICE', 'STATE', 'HOLDS'], runnerRows) : 'no runners have joined';
        emit({ models: models.map(modelJson), runners: runners.map(runnerJson) }, () => `${modelText}\n\n${runnerText}`);
      }),
    );
}
