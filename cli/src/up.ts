/**
 * `infermesh up`: writes the example models into <dataDir>/models, then runs the local mesh
 * as separate processes (the registry, with the example models registered; the runner
 * supervisor, which starts and restarts the runners; the gateway, which follows the
 * registry's routes), prints `infermesh ready` with the addresses once every example model
 * is served, and stops every child on Ctrl-C/SIGTERM.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { RegistryClient } from '@infermesh/client';
import { GATEWAY_NODE_FLAGS, loadConfig, mainScript, readEnvironment, SINK_PUBLISHER_MUST_NOT_LOSE_CLOSE_MS, spawnService, type SpawnedService } from '@infermesh/common';
import { clientSecurityOf } from './client-security.js';
import { registerExamples, waitUntilServing } from './examples.js';
import { formatLogLine } from './format-log-line.js';
import { writeExamples } from './write-examples.js';

/** How long the example models may take to load on the runners. */
const SERVING_TIMEOUT_MS = 180_000;

export interface UpOptions {
  config: string;
}

export async function up(options: UpOptions): Promise<void> {
  const env = readEnvironment();
  // Every section, the registry's included, is checked here, so a bad one stops `up` before anything starts.
  const { mesh } = loadConfig(options.config, env);
  const children: SpawnedService[] = [];
  const print = (line: string) => process.stdout.write(`${formatLogLine(line)}\n`);
  let stopping = false;

  const stopAll = async (exitCode: number) => {
    if (stopping) return;
    stopping = true;
    // Gateway first so no call reaches a runner that is going away. With mustNotLose it waits
    // for the sink (still up) to take its records: it gets that long before a SIGKILL.
    for (const child of [...children].reverse()) {
      await child.stop(child.name === 'gateway' && mesh.sink.publisher.mustNotLose ? SINK_PUBLISHER_MUST_NOT_LOSE_CLOSE_MS + 5_000 : undefined);
    }
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

  const say = (line: string) => process.stdout.write(`${line}\n`);
  try {
    const examples = join(mesh.dataDir, 'models');
    await writeExamples(examples, say);
    const baseEnv = { INFERMESH_CONFIG: options.config, INFERMESH_DATA_DIR: mesh.dataDir };
    // The registry places every version; runners start from their (possibly empty) repositories.
    for (const runner of mesh.runners) await mkdir(runner.modelRepository!, { recursive: true });
    const registry = await spawnService({ name: 'registry', script: mainScript('@infermesh/registry'), env: baseEnv, onLine: print });
    watch(registry);
    const withRegistry = { ...baseEnv, INFERMESH_REGISTRY_ADDRESS: registry.address };
    // With the config's tls and INFERMESH_TOKEN, as every CLI command connects.
    const client = new RegistryClient(registry.address, clientSecurityOf({ config: options.config }));
    try {
      const stable = await registerExamples(client, examples, say);
      // The supervisor's `listening` address is every runner's address, in config order.
      const supervisor = await spawnService({
        name: 'supervisor',
        script: mainScript('@infermesh/runners', 'supervisor-main.js'),
        env: withRegistry,
        onLine: print,
      });
      watch(supervisor);
      const addresses = supervisor.address.split(',');
      // The sink before the gateway, so the gateway's first records have somewhere to go.
      const sink = await spawnService({ name: 'sink', script: mainScript('@infermesh/sink'), env: baseEnv, onLine: print });
      watch(sink);
      const gateway = await spawnService({
        name: 'gateway',
        script: mainScript('@infermesh/gateway'),
        nodeFlags: GATEWAY_NODE_FLAGS,
        env: { ...withRegistry, INFERMESH_SINK_ADDRESS: sink.address },
        onLine: print,
      });
      watch(gateway);
      await waitUntilServing(client, stable, SERVING_TIMEOUT_MS);
      const runnerList = mesh.runners.map((r, i) => `${r.name} ${addresses[i]} [${r.device}]`).join(', ');
      process.stdout.write(
        `infermesh ready: gateway ${gateway.address}, status page http://${mesh.gateway.host}:${mesh.gateway.httpPort}/, ` +
          `registry ${registry.address}, sink ${sink.address} (runners: ${runnerList})\n`,
      );
    } finally {
      client.close();
    }
  } catch (error) {
    process.stderr.write(`infermesh: failed to start: ${(error as Error).message}\n`);
    await stopAll(1);
  }
}
