/**
 * `infermesh up`: runs the local mesh as separate processes (the runner supervisor, which
 * starts and restarts the runners, then the gateway), prints `infermesh ready` with the
 * gateway address, and stops every child on Ctrl-C/SIGTERM.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMeshConfig, readEnvironment, spawnService, type SpawnedService } from '@infermesh/common';
import { formatLogLine } from './format-log-line.js';

/** A compiled main script of a workspace package. */
function mainScript(packageName: string, script = 'main.js'): string {
  return join(dirname(fileURLToPath(import.meta.resolve(packageName))), script);
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
    // The supervisor's `listening` address is every runner's address, in config order.
    const supervisor = await spawnService({
      name: 'supervisor',
      script: mainScript('@infermesh/runners', 'supervisor-main.js'),
      env: baseEnv,
      onLine: print,
    });
    watch(supervisor);
    const addresses = supervisor.address.split(',');
    const gateway = await spawnService({
      name: 'gateway',
      script: mainScript('@infermesh/gateway'),
      env: { ...baseEnv, INFERMESH_GATEWAY_RUNNERS: supervisor.address },
      onLine: print,
    });
    watch(gateway);
    const runnerList = mesh.runners.map((r, i) => `${r.name} ${addresses[i]} [${r.device}]`).join(', ');
    process.stdout.write(`infermesh ready: gateway ${gateway.address} (runners: ${runnerList})\n`);
  } catch (error) {
    process.stderr.write(`infermesh: failed to start: ${(error as Error).message}\n`);
    await stopAll(1);
  }
}
