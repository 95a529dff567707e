/** Uploading a local file as a version's artifact, with a progress bar for large files. */
import type { RegistryClient } from '@infermesh/client';
import type { RegisterVersionResponse__Output } from '@infermesh/proto/registry';
import { progressBar } from './progress.js';

/** Uploads smaller than this finish before a bar would be worth drawing. */
const PROGRESS_MIN_BYTES = 1024 * 1024;

/** What a PushVersion header holds besides the file, which the client fills in. */
export type UploadHeader = Parameters<RegistryClient['pushVersion']>[0];

/** How to show an upload. */
export interface UploadOptions {
  /** Shown before the bar: `uploading mlp v2`. */
  label: string;
  /** The file's size, which decides whether a bar is drawn. */
  sizeBytes: number;
  /** Called when a bar is drawn and every byte is sent; the registry then checks and loads the file. */
  onSent?: () => void;
}

/**
 * Pushes `file` as a version and resolves with the registry's answer. The bar is stopped
 * once every byte is sent, so that what is said while the registry works is not drawn over.
 */
export async function uploadVersion(
  client: RegistryClient,
  header: UploadHeader,
  file: string,
  options: UploadOptions,
): Promise<RegisterVersionResponse__Output> {
  const bar = options.sizeBytes >= PROGRESS_MIN_BYTES ? progressBar(options.label, options.sizeBytes, 'bytes') : undefined;
  try {
    return await client.pushVersion(header, file, (sent) => {
      bar?.update(sent);
      if (bar && sent === options.sizeBytes) {
        bar.stop();
        options.onSent?.();
      }
    });
  } finally {
    bar?.stop();
  }
}
