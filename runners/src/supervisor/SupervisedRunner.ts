/**
 * One runner process under the supervisor: started, watched, restarted with backoff on the
 * port it first bound, and given back the versions LoadModel had added to it.
 */
import { readFile, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type * as grpc from '@grpc/grpc-js';
import { Backoff, spawnService, type BackoffPolicy, type Logger, type RunnerEntry, type SpawnedService } from '@infermesh/common';
import { loadedConfigPath } from '../loaded-config-file.js';
import { restorableVersions, type RestorableVersion } from './restorable-versions.js';
import { RunnerControlConnection } from './RunnerControlConnection.js';

/** What a supervised runner needs. */
export interface SupervisedRunnerOptions {
  entry: RunnerEntry;
  /** Mesh config file the runner reads (INFERMESH_CONFIG). */
  configFile: string;
  /** The mesh's data folder, where the runner keeps the configs LoadModel gave it. */
  dataDir: string;
  /** The runner's compiled main script. */
  script: string;
  /** How often to ask the runner what it holds. */
  pollMs: number;
  backoff: BackoffPolicy;
  logger: Logger;
  /** Every line the runner prints. */
  onLine: ((line: string, stream: 'stdout' | 'stderr') => void) | undefined;
  /** How the supervisor reaches its runners: the mesh's TLS, or plaintext. */
  credentials?: grpc.ChannelCredentials;
}

/** A supervised runner as the supervisor reports it. */
export interface RunnerInfo {
  name: string;
  /** host:port; the same across restarts. */
  address: string;
  /** The current process; undefined while it is down. */
  pid: number | undefined;
  /** Times the runner was started again after it died. */
  restarts: number;
  /** The versions LoadModel added that a restart would load again, as `name:version`. */
  restorable: string[];
}

/** Deadline of one LoadModel when restoring: loading a large model takes a while. */
const RESTORE_TIMEOUT_MS = 120_000;
/** How often to ask a restarted runner whether it has finished loading. */
const READY_POLL_MS = 50;

/** The port of a host:port address. */
const portOf = (address: string) => Number(address.slice(address.lastIndexOf(':') + 1));

export class SupervisedRunner {
  restarts = 0;
  /** The running process; undefined while the runner is down. */
  private service: SpawnedService | undefined;
  private control: RunnerControlConnection | undefined;
  /** The port the runner first bound; every restart binds it again. */
  private port: number;
  /** Versions LoadModel added, from the last Status of a runner that had finished restoring. */
  private restorable: RestorableVersion[] = [];
  /** True from a death until the restarted runner is ready: polls must not forget versions then. */
  private recovering = false;
  private polling = false;
  private poller: NodeJS.Timeout | undefined;
  private readonly recoveries = new Set<Promise<void>>();
  private readonly stopping = new AbortController();
  private readonly backoff: Backoff;
  private readonly log: Logger;

  constructor(private readonly options: SupervisedRunnerOptions) {
    this.port = options.entry.port;
    this.backoff = new Backoff(options.backoff);
    this.log = options.logger.child({ runner: options.entry.name });
  }

  get name(): string {
    return this.options.entry.name;
  }

  info(): RunnerInfo {
    return {
      name: this.name,
      address: `${this.options.entry.host}:${this.port}`,
      pid: this.service?.child.pid,
      restarts: this.restarts,
      restorable: this.restorable.map((version) => `${version.name}:${version.version}`),
    };
  }

  /** Starts the runner; resolves once it listens. Rejects when it cannot start at all. */
  async start(): Promise<void> {
    await this.launch();
    this.log.info({ address: this.info().address, pid: this.service?.child.pid }, 'runner started');
    this.poller = setInterval(() => void this.poll(), this.options.pollMs);
    this.poller.unref();
  }

  /** Stops the runner (SIGTERM, then SIGKILL after a grace period) and restarts nothing more. */
  async stop(): Promise<void> {
    this.stopping.abort();
    clearInterval(this.poller);
    // Closing the connection cancels a restore in progress, so the recovery ends soon.
    this.control?.close();
    await Promise.all(this.recoveries);
    this.control?.close();
    await this.service?.stop();
  }

  /** Spawns the runner process on the remembered port and watches it die. */
  private async launch(): Promise<SpawnedService> {
    const { entry } = this.options;
    const service = await spawnService({
      name: `runner/${entry.name}`,
      script: this.options.script,
      env: {
        INFERMESH_CONFIG: this.options.configFile,
        INFERMESH_DATA_DIR: this.options.dataDir,
        INFERMESH_RUNNER_NAME: entry.name,
        INFERMESH_RUNNER_PORT: String(this.port),
      },
      ...(this.options.onLine ? { onLine: this.options.onLine } : {}),
    });
    this.port = portOf(service.address);
    this.service = service;
    this.control?.close();
    this.control = new RunnerControlConnection(service.address, this.options.credentials);
    const startedAt = Date.now();
    void service.exited.then((exit) => this.died(service, exit, Date.now() - startedAt));
    return service;
  }

  private died(service: SpawnedService, exit: number | NodeJS.Signals, uptimeMs: number): void {
    if (this.service !== service || this.stopping.signal.aborted) return;
    this.service = undefined;
    this.recovering = true;
    this.log.warn({ pid: service.child.pid, exit, uptimeMs }, 'runner exited; restarting it');
    const recovery = this.recover(exit, uptimeMs).catch((error: unknown) =>
      this.log.error({ err: error }, 'runner recovery failed'),
    );
    this.recoveries.add(recovery);
    void recovery.finally(() => this.recoveries.delete(recovery));
  }

  /** Restarts the runner with backoff, restores its LoadModel versions and waits until it is ready. */
  private async recover(exit: number | NodeJS.Signals, uptimeMs: number): Promise<void> {
    const diedAt = Date.now();
    let ranMs = uptimeMs;
    let service: SpawnedService | undefined;
    while (!service) {
      if (!(await this.pause(this.backoff.delayAfter(ranMs)))) return;
      this.restarts++;
      try {
        service = await this.launch();
      } catch (error) {
        if (this.stopping.signal.aborted) return;
        this.log.error({ reason: (error as Error).message, restarts: this.restarts }, 'runner failed to restart');
        ranMs = 0;
      }
    }
    if (this.stopping.signal.aborted) return;
    const restored = await this.restore(service);
    if (!(await this.untilReady(service))) return;
    this.recovering = false;
    this.log.info(
      { pid: service.child.pid, exit, restarts: this.restarts, restored, recoveryMs: Date.now() - diedAt },
      'runner restarted and ready',
    );
  }

  /** LoadModel for every version remembered; returns how many are back. Failures are logged. */
  private async restore(service: SpawnedService): Promise<number> {
    const control = this.control!;
    const results = await Promise.all(
      this.restorable.map(async (version) => {
        const configFile = loadedConfigPath(this.options.dataDir, this.name, version.name, version.version);
        const configYaml = await readFile(configFile, 'utf8').catch(() => '');
        // A version loaded by hash is loaded by hash again, so the artifact cache holds it for the version.
        const sizeBytes = version.artifactSha256 === '' ? 0 : await stat(version.artifactPath).then((found) => found.size, () => 0);
        const byHash = sizeBytes > 0 ? { artifact_sha256: version.artifactSha256, artifact_size_bytes: String(sizeBytes) } : { artifact_sha256: '', artifact_size_bytes: '0' };
        try {
          await control.loadModel(
            { name: version.name, version: version.version, artifact_path: version.artifactPath, config_yaml: configYaml, ...byHash },
            RESTORE_TIMEOUT_MS,
          );
          return true;
        } catch (error) {
          if (this.service === service) {
            const reason = (error as { details?: string }).details ?? (error as Error).message;
            const fields = { model: version.name, version: version.version, artifact: version.artifactPath, reason };
            this.log.error(fields, 'could not restore a model version');
          }
          return false;
        }
      }),
    );
    return results.filter(Boolean).length;
  }

  /** Waits until no version of the restarted runner is still loading; false if it died or we stop. */
  private async untilReady(service: SpawnedService): Promise<boolean> {
    for (;;) {
      if (this.service !== service || this.stopping.signal.aborted) return false;
      const status = await this.control!.status(1_000).catch(() => undefined);
      if (status && (status.ready || status.models.every((model) => model.state !== 'LOADING'))) return true;
      if (!(await this.pause(READY_POLL_MS))) return false;
    }
  }

  /** Remembers which versions LoadModel added, from a Status of the runner as it runs now. */
  private async poll(): Promise<void> {
    const service = this.service;
    const control = this.control;
    if (this.polling || this.recovering || !service || !control) return;
    this.polling = true;
    try {
      const status = await control.status(Math.max(this.options.pollMs, 1_000));
      if (this.service === service && !this.recovering) {
        this.restorable = restorableVersions(status, this.options.entry.modelRepository!);
      }
    } catch {
      // A runner that does not answer is either dead (its exit restarts it) or busy; keep what we know.
    } finally {
      this.polling = false;
    }
  }

  /** Sleeps unless the supervisor stops first; false when it does. */
  private async pause(ms: number): Promise<boolean> {
    try {
      await sleep(ms, undefined, { signal: this.stopping.signal });
      return true;
    } catch {
      return false;
    }
  }
}
