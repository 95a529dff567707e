/**
 * The registry's copies of model artifacts, named by their sha256 in the data folder, so
 * that a version keeps its exact bytes whatever happens to the file or URL it came from.
 * Every source (a path, an http(s) URL, an upload) is copied through one size-limited,
 * hashing writer into `incoming/` and renamed into `artifacts/` once durable.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { DATA_DIR_MODE, DATA_FILE_MODE, ServiceError, type ArtifactSourcesConfig } from '@infermesh/common';
import { syncFolder } from '../store/FileRegistryStore.js';
import { AllowedPaths } from './allowed-paths.js';
import { ArtifactDownloader } from './download.js';

/** An artifact in the registry's folder. */
export interface StoredArtifact {
  /** Absolute path of the registry's copy. */
  path: string;
  sha256: string;
  sizeBytes: number;
  /** False when an identical artifact was already there. */
  created: boolean;
}

/** What an {@link ArtifactStore} needs. */
export interface ArtifactStoreOptions {
  /** The registry's folder; artifacts go to `<dir>/artifacts`. */
  dir: string;
  maxBytes: number;
  downloadTimeoutMs: number;
  /** Where paths and URLs may lead; `allowedDirs` absolute (`create-registry.ts` settles its default). */
  sources: Omit<ArtifactSourcesConfig, 'allowedDirs'> & { allowedDirs: readonly string[] };
}

/** `1048577 bytes (1.0 MiB)`: exact, so two sizes near a limit never read the same. */
const formatBytes = (bytes: number) =>
  bytes >= 1024 ** 3
    ? `${bytes} bytes (${(bytes / 1024 ** 3).toFixed(1)} GiB)`
    : bytes >= 1024 ** 2
      ? `${bytes} bytes (${(bytes / 1024 ** 2).toFixed(1)} MiB)`
      : `${bytes} bytes`;

export class ArtifactStore {
  private readonly artifacts: string;
  private readonly incoming: string;
  private readonly paths: AllowedPaths;
  private readonly downloader: ArtifactDownloader;

  constructor(private readonly options: ArtifactStoreOptions) {
    this.artifacts = path.join(options.dir, 'artifacts');
    this.incoming = path.join(options.dir, 'incoming');
    this.paths = new AllowedPaths(options.sources.allowedDirs);
    this.downloader = new ArtifactDownloader(options.sources);
  }

  /** Removes what an interrupted copy left behind. */
  async init(): Promise<void> {
    await rm(this.incoming, { recursive: true, force: true });
    // Owner only: the registry's copies are nobody else's to read.
    await mkdir(this.incoming, { recursive: true, mode: DATA_DIR_MODE });
    await mkdir(this.artifacts, { recursive: true, mode: DATA_DIR_MODE });
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
    if (artifact.created) await rm(artifact.path, { force: true });
  }

  private checkSize(bytes: number, label: string): void {
    if (bytes > this.options.maxBytes) {
      throw ServiceError.resourceExhausted(
        `artifact: ${label} is ${formatBytes(bytes)}; the registry takes at most ${formatBytes(this.options.maxBytes)}, set by registry.maxArtifactBytes`,
      );
    }
  }

  /** Copies `source` to incoming/ while hashing it, then moves it into artifacts/ by its sha256. */
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
      const target = path.join(this.artifacts, `${sha256}.onnx`);
      if (await stat(target).then(() => true, () => false)) {
        await rm(temporary, { force: true });
        return { path: target, sha256, sizeBytes, created: false };
      }
      await rename(temporary, target);
      await syncFolder(this.artifacts);
      return { path: target, sha256, sizeBytes, created: true };
    } catch (error) {
      await rm(temporary, { force: true });
      if (error instanceof ServiceError) throw error;
      throw ServiceError.unavailable(`artifact: could not store ${label}: ${(error as Error).message}`);
    }
  }
}
