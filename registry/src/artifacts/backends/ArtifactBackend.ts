/**
 * Where the registry keeps artifact bytes, content-addressed by sha256: its data folder
 * (`local`, the embedded default) or an S3-compatible bucket (`s3`). The registry hashes
 * every artifact itself before it hands it over, so a backend never sees unverified bytes.
 */

/** An artifact's bytes as a backend reads them back. */
export interface ArtifactReader {
  sizeBytes: number;
  body: AsyncIterable<Uint8Array>;
  /** Stops reading early (the caller went away). */
  destroy(): void;
}

/** What {@link ArtifactBackend.put} did with a file. */
export interface PutResult {
  /** False when the backend already held this sha256. */
  created: boolean;
  /**
   * The backend's own file of the artifact on this machine (`local`); absent when it keeps
   * none (`s3`), and the file handed in is the caller's to remove.
   */
  localPath?: string;
}

export interface ArtifactBackend {
  /** For messages: `folder /data/registry/artifacts`, `bucket s3://models/infermesh/`. */
  readonly description: string;
  /** What the registry records as a version's artifactPath: a path, or `s3://bucket/key`. */
  locationOf(sha256: string): string;
  /** Prepares the store (folders, a check that the bucket answers); throws naming what is wrong. */
  init(): Promise<void>;
  /**
   * Stores `file`, whose bytes hash to `sha256`, durably. `local` moves the file into its
   * folder; `s3` uploads it and leaves it where it is.
   */
  put(file: string, sha256: string, sizeBytes: number): Promise<PutResult>;
  /** The artifact's bytes; undefined when the store does not hold it. */
  open(sha256: string): Promise<ArtifactReader | undefined>;
  /** Removes the artifact (absent is fine). */
  remove(sha256: string): Promise<void>;
  close(): void;
}
