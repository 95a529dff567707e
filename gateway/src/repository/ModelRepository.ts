/** What Triton's repository methods act on: the registry, or (without one) the runners' own lists. */

/** One model version as RepositoryIndex reports it. */
export interface ModelIndexEntry {
  name: string;
  version: string;
  /** READY, LOADING, UNLOADING or UNAVAILABLE (Triton's words). */
  state: string;
  reason: string;
}

/** What RepositoryModelLoad's `config` (and `file:`) parameters ask for: a new version to serve. */
export interface LoadOverride {
  /** The runner config the new version gets (mapped from Triton's JSON). */
  configYaml: string;
  /** An uploaded model file (`file:<version>/model.onnx`); absent: the serving version's artifact. */
  file?: { name: string; bytes: Buffer };
}

export interface ModelRepository {
  /** Every model version, or only the READY ones. */
  index(readyOnly: boolean, authorization?: string): Promise<ModelIndexEntry[]>;
  /**
   * Makes the model serve; resolves once it does, rejects with the reason it cannot. With an
   * override, a new version with that config (and file) is registered and serves instead.
   */
  load(model: string, deadlineMs: number, authorization?: string, override?: LoadOverride): Promise<void>;
  /** Takes the model out of service; resolves once this gateway no longer routes to it. */
  unload(model: string, deadlineMs: number, authorization?: string): Promise<void>;
}
