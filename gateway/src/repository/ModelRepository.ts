/** What Triton's repository methods act on: the registry, or (without one) the runners' own lists. */

/** One model version as RepositoryIndex reports it. */
export interface ModelIndexEntry {
  name: string;
  version: string;
  /** READY, LOADING, UNLOADING or UNAVAILABLE (Triton's words). */
  state: string;
  reason: string;
}

export interface ModelRepository {
  /** Every model version, or only the READY ones. */
  index(readyOnly: boolean, authorization?: string): Promise<ModelIndexEntry[]>;
  /** Makes the model serve; resolves once it does, rejects with the reason it cannot. */
  load(model: string, deadlineMs: number, authorization?: string): Promise<void>;
  /** Takes the model out of service; resolves once this gateway no longer routes to it. */
  unload(model: string, deadlineMs: number, authorization?: string): Promise<void>;
}
