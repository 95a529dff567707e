/**
 * The registry's state and the one way to change it: mutations run one at a time on a copy,
 * the copy is saved to the store, and only a saved copy becomes the state. When another
 * replica saved first (a conflict), the stored state is loaded and the mutation runs again
 * on it. States other replicas save are taken in as they come (`follow`). Listeners hear
 * about every committed change, whoever made it.
 */
import { ServiceError, type Logger } from '@infermesh/common';
import { emptyState, type RegistryState } from './state/registry-state.js';
import { StoreConflictError, StoreDurabilityUnknownError, type RegistryStore, type StoredState } from './store/RegistryStore.js';

/** Times a mutation is re-run on a newer state before the caller is told to try later. */
export const MAX_CONFLICT_RETRIES = 20;

export class Registry {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly listeners = new Set<() => void>();
  /** JSON of the saved state, to skip saves that would change nothing. */
  private savedJson: string;
  private unfollow: (() => void) | undefined;

  private constructor(
    private state: RegistryState,
    private revision: number,
    private readonly store: RegistryStore,
    private readonly logger: Logger,
  ) {
    this.savedJson = JSON.stringify(state);
  }

  /** Loads the state from `store` (empty when it holds none). */
  static async open(store: RegistryStore, logger: Logger): Promise<Registry> {
    const stored = await store.load();
    const registry = new Registry(stored?.state ?? emptyState(), stored?.revision ?? 0, store, logger);
    const models = Object.keys(registry.state.models).length;
    logger.info({ store: store.description, revision: registry.revision, models }, 'registry state loaded');
    return registry;
  }

  /** The committed state. Read it, never change it: changes go through {@link mutate}. */
  get current(): Readonly<RegistryState> {
    return this.state;
  }

  /**
   * Runs `change` on a copy of the state after every earlier mutation, saves the copy and
   * makes it the state. If `change` throws, or the save fails (UNAVAILABLE), nothing changes.
   * `change` may run more than once (on a newer state after a conflict): it must only change
   * the draft.
   */
  mutate<T>(change: (draft: RegistryState) => T): Promise<T> {
    const run = this.queue.then(() => this.commit(change));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Takes in the states other writers save, as the store reports them; stops with {@link close}. */
  follow(): void {
    this.unfollow ??= this.store.watch?.((stored) => {
      this.queue = this.queue.then(() => this.adopt(stored)).catch(() => undefined);
    });
  }

  /** Calls `listener` after every committed change; returns the unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Waits for the mutations already queued. */
  async idle(): Promise<void> {
    await this.queue;
  }

  /** Stops following other writers. */
  close(): void {
    this.unfollow?.();
  }

  private async commit<T>(change: (draft: RegistryState) => T): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const draft = structuredClone(this.state);
      const result = change(draft);
      const json = JSON.stringify(draft);
      if (json === this.savedJson) return result;
      let unknownDurability: StoreDurabilityUnknownError | undefined;
      try {
        this.revision = await this.store.save(draft, this.revision);
      } catch (error) {
        if (error instanceof StoreConflictError) {
          if (attempt >= MAX_CONFLICT_RETRIES) {
            this.logger.error({ err: error, store: this.store.description, attempts: attempt + 1 }, 'registry state kept changing under this change');
            throw ServiceError.unavailable(`the registry's store (${this.store.description}) kept changing under this change; nothing was changed, try again`);
          }
          // Replicas that keep colliding spread out: a jittered pause that grows with each retry.
          if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(200, 5 * 2 ** attempt)));
          await this.reload();
          continue;
        }
        if (!(error instanceof StoreDurabilityUnknownError)) {
          this.logger.error({ err: error, store: this.store.description }, 'could not save the registry state');
          throw ServiceError.unavailable(`the registry could not save its state (${this.store.description}); nothing was changed`);
        }
        // The store holds the change: the registry takes it too, so the next save goes through.
        this.revision = error.revision;
        unknownDurability = error;
      }
      this.take(draft, json);
      if (unknownDurability) {
        this.logger.error({ err: unknownDurability, store: this.store.description }, 'registry state changed, durability unknown');
        throw ServiceError.internal(
          `the registry changed its state but could not make it durable (${this.store.description}): changed, durability unknown; a crash now may undo it`,
        );
      }
      return result;
    }
  }

  /** Another writer saved first: takes in what the store holds now. */
  private async reload(): Promise<void> {
    let stored: StoredState | undefined;
    try {
      stored = await this.store.load();
    } catch (error) {
      this.logger.error({ err: error, store: this.store.description }, 'could not reload the registry state after a conflict');
      throw ServiceError.unavailable(`the registry could not reload its state (${this.store.description}); nothing was changed`);
    }
    // The store is right after a conflict, even about a revision that looks older.
    if (stored) this.adopt(stored, true);
  }

  /** A state another writer saved, unless this registry already holds it or a newer one (`force`: whatever its revision). */
  private adopt(stored: StoredState, force = false): void {
    if (!force && stored.revision <= this.revision) return;
    this.revision = stored.revision;
    this.take(stored.state, JSON.stringify(stored.state));
  }

  private take(state: RegistryState, json: string): void {
    const changed = json !== this.savedJson;
    this.state = state;
    this.savedJson = json;
    if (changed) for (const listener of this.listeners) listener();
  }
}
