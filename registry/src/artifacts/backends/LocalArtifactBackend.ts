/** The `local` artifact store: `<registry data folder>/artifacts/<sha256>.onnx`. */
import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { DATA_DIR_MODE } from '@infermesh/common';
import { syncFolder } from '../../store/FileRegistryStore.js';
import type { ArtifactBackend, ArtifactReader, PutResult } from './ArtifactBackend.js';

/** Read size of a served artifact: one FetchArtifact message each. */
const READ_CHUNK_BYTES = 256 * 1024;

export class LocalArtifactBackend implements ArtifactBackend {
  private readonly folder: string;
  readonly description: string;

  /** @param registryDir the registry's data folder; artifacts go to `<registryDir>/artifacts`. */
  constructor(registryDir: string) {
    this.folder = path.join(registryDir, 'artifacts');
    this.description = `folder ${this.folder}`;
  }

  locationOf(sha256: string): string {
    return path.join(this.folder, `${sha256}.onnx`);
  }

  async init(): Promise<void> {
    // Owner only: the registry's copies are nobody else's to read.
    await mkdir(this.folder, { recursive: true, mode: DATA_DIR_MODE });
  }

  /** Moves `file` (already fsynced, on the same file system: the registry's `incoming/`) into place. */
  async put(file: string, sha256: string): Promise<PutResult> {
    const target = this.locationOf(sha256);
    if (await stat(target).then(() => true, () => false)) {
      await rm(file, { force: true });
      return { created: false, localPath: target };
    }
    await rename(file, target);
    await syncFolder(this.folder);
    return { created: true, localPath: target };
  }

  async open(sha256: string): Promise<ArtifactReader | undefined> {
    const file = this.locationOf(sha256);
    const found = await stat(file).catch(() => undefined);
    if (!found?.isFile()) return undefined;
    const body = createReadStream(file, { highWaterMark: READ_CHUNK_BYTES });
    return { sizeBytes: found.size, body, destroy: () => body.destroy() };
  }

  async remove(sha256: string): Promise<void> {
    await rm(this.locationOf(sha256), { force: true });
  }

  close(): void {}
}
