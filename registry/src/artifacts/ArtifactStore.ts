/**
 * The registry's copies of model artifacts, named by their sha256, so that a version keeps
 * its exact bytes whatever happens to the file or URL it came from. Every source (a path,
 * an http(s) URL, an upload) is copied through one size-limited, hashing writer into
 * `incoming/` and, once durable, handed to the artifact store (`registry.artifacts.store`):
 * renamed into `artifacts/` (local) or uploaded (s3).
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, rm } from 'node:fs/promises';
import path from 'node:path';
import { DATA_DIR_MODE, DATA_FILE_MODE, ServiceError, type ArtifactSourcesConfig } from '@infermesh/common';
import { AllowedPaths } from './allowed-paths.js';
import type { ArtifactBackend, ArtifactReader } from './backends/ArtifactBackend.js';
import { LocalArtifactBackend } from './backends/LocalArtifactBackend.js';
import { ArtifactDownloader } from './download.js';

/** An artifact in the registry's artifact store. */
export interface StoredArtifact {
  /** A file with its bytes on the registry's machine (the store's own, or a staging copy until {@link ArtifactStore.release}). */
  path: string;
  /** Where the store keeps it, recorded as the version's artifactPath: a path (local) or `s3://bucket/key`. */
  location: string;
  sha256: string;
  sizeBytes: number;
  /** False when an identical artifact was already there. */
  created: boolean;
  /** True when `path` is a staging copy the registry removes once it has read the signature. */
  staged?: boolean;
}

/** What an {@link ArtifactStore} needs. */
export interface ArtifactStoreOptions {
  /** The registry's folder; artifacts go to `<dir>/artifacts`. */
  dir: string;
  maxBytes: number;
  downloadTimeoutMs: number;
  /** Where paths and URLs may lead; `allowedDirs` absolute (`create-registry.ts` settles its default). */
  sources: Omit<ArtifactSourcesConfig, 'allowedDirs' | 'store'> & { allowedDirs: readonly string[] };
  /** Where the bytes are kept; default the local folder `<dir>/artifacts`. */
  backend?: ArtifactBackend;
}

/** `1048577 bytes (1.0 MiB)`: exact, so two sizes near a limit never read the same. */
const formatBytes = (bytes: number) =>
  bytes >= 1024 ** 3
    ? `${bytes} bytes (${(bytes / 1024 ** 3).toFixed(1)} GiB)`
    : bytes >= 1024 ** 2
      ? `${bytes} bytes (${(bytes / 1024 ** 2).toFixed(1)} MiB)`
      : `${bytes} bytes`;

export class ArtifactStore {
  private readonly incoming: string;
  private readonly paths: AllowedPaths;
  private readonly downloader: ArtifactDownloader;
  /** Where the bytes are kept. */
  readonly backend: ArtifactBackend;

  constructor(private readonly options: ArtifactStoreOptions) {
    this.incoming = path.join(options.dir, 'incoming');
    this.paths = new AllowedPaths(options.sources.allowedDirs);
    this.downloader = new ArtifactDownloader(options.sources);
    this.backend = options.backend ?? new LocalArtifactBackend(options.dir);
  }

  /** Removes what an interrupted copy left behind, and readies the store. */
  async init(): Promise<void> {
    await rm(this.incoming, { recursive: true, force: true });
    // Owner only: the registry's copies are nobody else's to read.
    await mkdir(this.incoming, { recursive: true, mode: DATA_DIR_MODE });
    await this.backend.init();
  }

  /** The bytes of the artifact `sha256`; undefined when the store does not hold it. */
  open(sha256: string): Promise<ArtifactReader | undefined> {
    return this.backend.open(sha256);
  }

  /** Copies a file under `registry.artifacts.allowedDirs` (relative paths resolve against the registry's working directory). */
  async fromPath(file: string): Promise<StoredArtifact> {
    const { handle, sizeBytes } = await this.paths.open(file);
    try {
      this.checkSize(sizeBytes, `'${file}'`);
      return await this.write(handle.createReadStream({ autoClose: false }), `'${file}'`);
    } finally {
      await handle.close();
    }
  }

  /** Downloads a URL `registry.artifacts` allows, within the size limit and the download deadline. */
  async fromUrl(url: string): Promise<StoredArtifact> {
    const signal = AbortSignal.timeout(this.options.downloadTimeoutMs);
    const { body, declaredBytes } = await this.downloader.get(url, signal);
    try {
      if (Number.isFinite(declaredBytes)) this.checkSize(declaredBytes, url);
      return await this.write(body, url);
    } catch (error) {
      if (signal.aborted) throw ServiceError.deadlineExceeded(`artifact: downloading ${url} took longer than registry.downloadTimeoutMs`);
      throw error;
    } finally {
      body.destroy();
    }
  }

  /** Stores uploaded chunks; `declaredBytes` is checked against the limit before any is written. */
  async fromChunks(chunks: AsyncIterable<Buffer>, declaredBytes: number, label: string): Promise<StoredArtifact> {
    this.checkSize(declaredBytes, label);
    const artifact = await this.write(chunks, label);
    if (artifact.sizeBytes !== declaredBytes) {
      await this.discard(artifact);
      throw ServiceError.invalidArgument(`artifact: ${label} sent ${artifact.sizeBytes} bytes, not the ${declaredBytes} it declared`);
    }
    return artifact;
  }

  /** Removes an artifact this store has just created and nothing uses. */
  async discard(artifact: StoredArtifact): Promise<void> {
    await this.release(artifact);
    if (artifact.created) await this.backend.remove(artifact.sha256);
  }

  /** Removes the staging copy of an artifact the store keeps elsewhere (s3), once its signature is read. */
  async release(artifact: StoredArtifact): Promise<void> {
    if (artifact.staged) await rm(artifact.path, { force: true });
  }

  close(): void {
    this.backend.close();
  }

  private checkSize(bytes: number, label: string): void {
    if (bytes > this.options.maxBytes) {
      throw ServiceError.resourceExhausted(
        `artifact: ${label} is ${formatBytes(bytes)}; the registry takes at most ${formatBytes(this.options.maxBytes)}, set by registry.maxArtifactBytes`,
      );
    }
  }

  /** Copies `source` to incoming/ while hashing it, then hands it to the store by its sha256. */
  private async write(source: AsyncIterable<Buffer | Uint8Array>, label: string): Promise<StoredArtifact> {
    const temporary = path.join(this.incoming, `${randomUUID()}.part`);
    const hash = createHash('sha256');
    let sizeBytes = 0;
    try {
      const handle = await open(temporary, 'wx', DATA_FILE_MODE);
      try {
        for await (const chunk of source) {
          sizeBytes += chunk.byteLength;
          this.checkSize(sizeBytes, label);
          hash.update(chunk);
          await handle.write(chunk);
        }
        await handle.sync();
      } finally {
        await handle.close();
      }
      const sha256 = hash.digest('hex');
      const { created, localPath } = await this.backend.put(temporary, sha256, sizeBytes);
      const location = this.backend.locationOf(sha256);
      if (localPath !== undefined) return { path: localPath, location, sha256, sizeBytes, created };
      return { path: temporary, location, sha256, sizeBytes, created, staged: true };
    } catch (error) {
      await rm(temporary, { force: true });
      if (error instanceof ServiceError) throw error;
      throw ServiceError.unavailable(`artifact: could not store ${label}: ${(error as Error).message}`);
    }
  }
}
