/**
 * Where the registry keeps its state. Saves are whole-state and conditional on the revision
 * the registry last saw (compare-and-set), which maps onto Consul KV's `?cas=<ModifyIndex>`
 * as well as onto a local file.
 */
import type { LeadershipFactory } from '../leadership/Leadership.js';
import type { PresenceFactory } from '../placement/ReplicaPresence.js';
import type { RegistryState } from '../state/registry-state.js';

/** A state as a store holds it, with the revision to pass to the next save. */
export interface StoredState {
  state: RegistryState;
  revision: number;
}

/** A registry store backend: file (one registry) or Consul (several replicas). */
export interface RegistryStore {
  /** For logs and messages, e.g. `file /data/registry/state.json`. */
  readonly description: string;
  /** The saved state, or undefined when nothing was ever saved. */
  load(): Promise<StoredState | undefined>;
  /**
   * Saves `state` if the stored revision is still `expectedRevision` (0: nothing saved yet);
   * resolves with the new revision once it is durable. Rejects with {@link StoreConflictError}
   * when someone else saved in between.
   */
  save(state: RegistryState, expectedRevision: number): Promise<number>;
  /**
   * Follows saves by other writers (other replicas): calls `listener` with stored states as
   * they change, possibly with one the caller saved itself or an older one; returns the stop
   * function. A store only one registry uses needs none.
   */
  watch?(listener: (stored: StoredState) => void): () => void;
  /** How the replicas sharing this store choose the one that places; absent: this registry always does. */
  leadership?: LeadershipFactory;
  /** How replicas sharing this store tell each other which runners heartbeat to them; absent: no one else to tell. */
  presence?: PresenceFactory;
  close(): Promise<void>;
}

/** Another writer saved since this registry last loaded or saved. */
export class StoreConflictError extends Error {
  override readonly name = 'StoreConflictError';
}

/**
 * The save replaced the state (the store is at `revision` now), but making that durable
 * failed (an fsync after the rename): changed, durability unknown.
 */
export class StoreDurabilityUnknownError extends Error {
  override readonly name = 'StoreDurabilityUnknownError';

  constructor(
    message: string,
    readonly revision: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
