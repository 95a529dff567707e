/** Builds and starts a supervisor: one runner process per entry of the mesh config's `runners`. */
import { fileURLToPath } from 'node:url';
import { DEFAULT_BACKOFF, meshChannelCredentials, TlsFiles, type BackoffPolicy, type Logger, type MeshConfig, type TlsConfig } from '@infermesh/common';
import { SupervisedRunner, type RunnerInfo } from './SupervisedRunner.js';

/** Everything a supervisor needs; `supervisor-main.ts` derives it from the mesh config. */
export interface SupervisorConfig {
  /** The mesh config file, which every runner reads too (INFERMESH_CONFIG). */
  configFile: string;
  /** That file, validated, with `dataDir` and each runner's `modelRepository` resolved. */
  mesh: MeshConfig;
  logger: Logger;
  /** Every line a runner prints, e.g. to relay its log. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** How often to ask each runner what it holds; default 1000 ms. */
  pollMs?: number;
  /** Restart delays; default 100 ms doubling to 10 s, reset after 30 s up. */
  backoff?: BackoffPolicy;
  /** The runner's main script; default the one built next to this module. */
  runnerScript?: string;
  /** The mesh's TLS (paths absolute), which the runners serve with; plaintext without. */
  tls?: TlsConfig;
}

/** A started supervisor. */
export interface Supervisor {
  /** The runners in config order, as they are now. */
  runners(): RunnerInfo[];
  /** Stops every runner and restarts none. */
  close(): Promise<void>;
}

/**
 * The runner's compiled main. Under vitest this module runs from src/*.ts, and Node cannot
 * start a TypeScript main, so it points at the build output (tests run after the build).
 */
const RUNNER_SCRIPT = fileURLToPath(
  import.meta.url.endsWith('.ts') ? new URL('../../dist/main.js', import.meta.url) : new URL('../main.js', import.meta.url),
);

/** Starts every runner; resolves once each listens. If one cannot start, stops the rest and rejects. */
export async function createSupervisor(config: SupervisorConfig): Promise<Supervisor> {
  const tls = config.tls && new TlsFiles(config.tls, config.logger);
  const credentials = meshChannelCredentials(tls);
  const runners = config.mesh.runners.map(
    (entry) =>
      new SupervisedRunner({
        entry,
        configFile: config.configFile,
        dataDir: config.mesh.dataDir,
        script: config.runnerScript ?? RUNNER_SCRIPT,
        pollMs: config.pollMs ?? 1_000,
        backoff: config.backoff ?? DEFAULT_BACKOFF,
        logger: config.logger,
        onLine: config.onLine,
        credentials,
      }),
  );
  const close = async () => {
    await Promise.all(runners.map((runner) => runner.stop()));
    tls?.close();
  };
  const started = await Promise.allSettled(runners.map((runner) => runner.start()));
  const failed = started.find((result) => result.status === 'rejected');
  if (failed) {
    await close();
    throw failed.reason;
  }
  return { runners: () => runners.map((runner) => runner.info()), close };
}
