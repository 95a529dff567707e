/**
 * `infermesh up`: runs the local mesh as separate processes (runners, then the gateway),
 * prints `infermesh ready` with the gateway address, and stops every child on Ctrl-C/SIGTERM.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMeshConfig, readEnvironment, spawnService, type SpawnedService } from '@infermesh/common';
import { formatLogLine } from './format-log-line.js';

/** The compiled main script of a workspace package. */
function mainScript(packageName: string): string {
  return join(dirname(fileURLToPath(import.meta.resolve(packageName))), 'main.js');
}

export interface UpOptions {
  config: string;
}

export async function up(options: UpOptions): Promise<void> {
  const env = readEnvironment();
  const mesh = loadMeshConfig(options.config, env);
  const children: SpawnedService[] = [];
  const print = (line: string) => process.stdout.write(`${formatLogLine(line)}\n`);
  let stopping = false;

  const stopAll = async (exitCode: number) => {
    if (stopping) return;
    stopping = true;
    // Gateway first so no call reaches a runner that is going away.
    for (const child of [...children].reverse()) await child.stop();
    process.exit(exitCode);
  };
  process.once('SIGINT', () => void stopAll(0));
  process.once('SIGTERM', () => void stopAll(0));

  const watch = (child: SpawnedService) => {
    children.push(child);
    void child.exited.then((code) => {
      if (stopping) return;
      process.stderr.write(`infermesh: ${child.name} exited (${code}); stopping the mesh\n`);
      void stopAll(1);
    });
  };

  try {
    const baseEnv = { INFERMESH_CONFIG: options.config, INFERMESH_DATA_DIR: mesh.dataDir };
    const runners = await Promise.all(
      mesh.runners.map((runner) =>
        spawnService({
          name: `runner/${runner.name}`,
          script: mainScript('@infermesh/runners'),
          env: { ...baseEnv, INFERMESH_RUNNER_NAME: runner.name },
          onLine: print,
        }),
      ),
    );
    runners.forEach(watch);
    const gateway = await spawnService({
      name: 'gateway',
      script: mainScript('@infermesh/gateway'),
      env: { ...baseEnv, INFERMESH_GATEWAY_RUNNERS: runners.map((r) => r.address).join(',') },
      onLine: print,
    });
    watch(gateway);
    const runnerList = mesh.runners.map((r, i) => `${r.name} ${runners[i]!.address} [${r.device}]`).join(', ');
    process.stdout.write(`infermesh ready: gateway ${gateway.address} (runners: ${runnerList})\n`);
  } catch (error) {
    process.stderr.write(`infermesh: failed to start: ${(error as Error).message}\n`);
    await stopAll(1);
  }
}
