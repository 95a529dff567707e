/**
 * The registry's state and the one way to change it: mutations run one at a time on a copy,
 * the copy is saved to the store, and only a saved copy becomes the state. Listeners hear
 * about every committed change.
 */
import { ServiceError, type Logger } from '@infermesh/common';
import { emptyState, type RegistryState } from './state/registry-state.js';
import { StoreDurabilityUnknownError, type RegistryStore } from './store/RegistryStore.js';

export class Registry {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly listeners = new Set<() => void>();
  /** JSON of the saved state, to skip saves that would change nothing. */
  private savedJson: string;

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
   */
  mutate<T>(change: (draft: RegistryState) => T): Promise<T> {
    const run = this.queue.then(async () => {
      const draft = structuredClone(this.state);
      const result = change(draft);
      const json = JSON.stringify(draft);
      if (json === this.savedJson) return result;
      let unknownDurability: StoreDurabilityUnknownError | undefined;
      try {
        this.revision = await this.store.save(draft, this.revision);
      } catch (error) {
        if (!(error instanceof StoreDurabilityUnknownError)) {
          this.logger.error({ err: error, store: this.store.description }, 'could not save the registry state');
          throw ServiceError.unavailable(`the registry could not save its state (${this.store.description}); nothing was changed`);
        }
        // The store holds the change: the registry takes it too, so the next save goes through.
        this.revision = error.revision;
        unknownDurability = error;
      }
      this.state = draft;
      this.savedJson = json;
      for (const listener of this.listeners) listener();
      if (unknownDurability) {
        this.logger.error({ err: unknownDurability, store: this.store.description }, 'registry state changed, durability unknown');
        throw ServiceError.internal(
          `the registry changed its state but could not make it durable (${this.store.description}): changed, durability unknown; a crash now may undo it`,
        );
      }
      return result;
    });
    this.queue = run.catch(() => undefined);
    return run;
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
}
