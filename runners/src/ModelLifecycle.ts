/**
 * Loads and unloads model versions on a running runner. Operations on one version run one
 * at a time (a second LoadModel of a version waits for the first); other versions keep
 * serving throughout. A LoadModel by sha256 loads from the artifact cache, which keeps the
 * artifact while the version is loaded.
 */
import { ServiceError, type Logger, type ModelSource } from '@infermesh/common';
import type { ArtifactCache, CachedArtifact } from './artifacts/ArtifactCache.js';
import { KeyedLock } from './KeyedLock.js';
import { loadedConfigPath, removeLoadedConfig, writeLoadedConfig } from './loaded-config-file.js';
import type { LoadOrder } from './load-model-request.js';
import type { ModelStore } from './ModelStore.js';
import { ModelVersion, type VersionContext } from './ModelVersion.js';

/** Load failures the machine is at fault for, not the model: the device or its provider. */
const DEVICE_FAULT = /cuda|device|execution provider|gpu/i;

const keyOf = (name: string, version: string) => `${name}\u0000${version}`;

/** The runner a lifecycle belongs to. */
export interface LifecycleOwner {
  /** Runner name, part of the folder its loaded configs live in. */
  name: string;
  /** The runner's data folder. */
  dataDir: string;
}

export class ModelLifecycle {
  private readonly lock = new KeyedLock();
  /** Version key → the cached artifact it was loaded from, held until it unloads. */
  private readonly held = new Map<string, CachedArtifact>();

  constructor(
    private readonly owner: LifecycleOwner,
    private readonly store: ModelStore,
    private readonly context: VersionContext,
    private readonly logger: Logger,
    /** Where LoadModel by sha256 takes artifacts from; absent, such a load is refused. */
    private readonly artifacts?: ArtifactCache,
  ) {}

  /** Adds versions found in the model repository; Status lists them LOADING until {@link loadAll}. */
  addFromRepository(sources: readonly ModelSource[]): ModelVersion[] {
    const versions = sources.map((source) => new ModelVersion(source, this.context));
    for (const version of versions) this.store.add(version);
    return versions;
  }

  /** Loads versions added by {@link addFromRepository}; resolves when each is READY or FAILED. */
  async loadAll(versions: readonly ModelVersion[]): Promise<void> {
    await Promise.all(versions.map((version) => this.lock.run(keyOf(version.name, version.version), () => version.load())));
  }

  /**
   * LoadModel: resolves once the version is READY. A version already READY from the same
   * artifact is returned as it is; from another artifact, FAILED_PRECONDITION. A FAILED
   * version is replaced by the new attempt, which stays listed (FAILED) if it fails too.
   */
  load(order: LoadOrder): Promise<ModelVersion> {
    return this.lock.run(keyOf(order.name, order.version), async () => {
      const label = `model '${order.name}' version ${order.version}`;
      const key = keyOf(order.name, order.version);
      const { artifact } = order;
      const cache = this.artifacts;
      if (artifact && !cache) throw ServiceError.failedPrecondition('artifact_sha256: this runner has no artifact cache; send artifact_path');
      const artifactPath = artifact && cache ? cache.pathOf(artifact.sha256) : order.artifactPath;
      const existing = this.store.find(order.name, order.version);
      if (existing?.state === 'READY') {
        if (existing.source.modelPath === artifactPath) return existing;
        throw ServiceError.failedPrecondition(
          `${label} is already loaded from '${existing.source.modelPath}'; unload it before loading '${artifact ? `artifact ${artifact.sha256}` : artifactPath}'`,
        );
      }
      if (existing && existing.state !== 'FAILED') throw ServiceError.failedPrecondition(`${label} is ${existing.state.toLowerCase()}`);
      if (existing) this.store.remove(existing);

      // Fetched (or found) before anything changes, and held while the version is loaded.
      const cached = artifact && cache ? await cache.acquire(artifact.sha256, artifact.sizeBytes) : undefined;
      try {
        const version = await this.start(order, artifactPath);
        if (version.state === 'READY') {
          if (cached) this.held.set(key, cached);
          return version;
        }
        const failure = `${label} failed to load: ${version.reason}`;
        throw DEVICE_FAULT.test(version.reason) ? ServiceError.failedPrecondition(failure) : ServiceError.invalidArgument(failure);
      } catch (error) {
        cached?.release();
        throw error;
      }
    });
  }

  /** Adds the version of `order` from `artifactPath` to the store and loads it; resolves READY or FAILED. */
  private async start(order: LoadOrder, artifactPath: string): Promise<ModelVersion> {
    // ModelVersion reads its config from a file; an empty config_yaml means the defaults.
    let configPath: string | undefined = loadedConfigPath(this.owner.dataDir, this.owner.name, order.name, order.version);
    if (order.configYaml !== '') await writeLoadedConfig(configPath, order.configYaml);
    else {
      await removeLoadedConfig(configPath);
      configPath = undefined;
    }
    const source = { name: order.name, version: order.version, modelPath: artifactPath, configPath, ...(order.artifact ? { artifactSha256: order.artifact.sha256 } : {}) };
    const version = new ModelVersion(source, this.context);
    this.store.add(version);
    this.logger.info({ model: order.name, version: order.version, artifact: artifactPath, sha256: order.artifact?.sha256 }, 'loading model version');
    await version.load();
    return version;
  }

  /**
   * UnloadModel: new calls to the version are refused at once, calls already accepted
   * finish, then its sessions are freed and it leaves the store. NOT_FOUND for an unknown one.
   */
  unload(name: string, version: string): Promise<void> {
    return this.lock.run(keyOf(name, version), async () => {
      const found = this.store.find(name, version);
      if (!found) {
        // Throws NOT_FOUND for an unknown model; otherwise lists the versions there are.
        const versions = this.store.versionsOf(name).map((v) => v.version);
        throw ServiceError.notFound(`model '${name}' has no version '${version}' (versions: ${versions.join(', ')})`);
      }
      this.logger.info({ model: name, version }, 'unloading model version');
      await found.unload();
      this.store.remove(found);
      this.held.get(keyOf(name, version))?.release();
      this.held.delete(keyOf(name, version));
      await removeLoadedConfig(loadedConfigPath(this.owner.dataDir, this.owner.name, name, version));
      this.logger.info({ model: name, version }, 'model version unloaded');
    });
  }

  /** Resolves when no load or unload is running or waiting. */
  idle(): Promise<void> {
    return this.lock.idle();
  }
}
