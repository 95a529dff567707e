/**
 * Which registry replica does placement (loads, unloads, version statuses): the leader. The
 * file store has one registry, always the leader; the Consul store elects one with a session
 * lock (an etcd store would with a lease).
 */
import type { Logger } from '@infermesh/common';

/** A replica's side of the election. */
export interface Leadership {
  /** Whether this replica leads now. */
  readonly isLeader: boolean;
  /** Calls `listener` on every change of {@link isLeader}; returns the unsubscribe function. */
  onChange(listener: (leader: boolean) => void): () => void;
  /** Starts campaigning (and, leading, holding on). */
  start(): void;
  /** Stops; a leader gives the lead up at once so another replica takes it without waiting. */
  close(): Promise<void>;
}

/** Builds a store's leadership for the replica that serves at `holder` (host:port). */
export type LeadershipFactory = (holder: string, logger: Logger) => Leadership;

/**
 * What every leadership keeps: whether this replica leads, and who hears of a change. A
 * store's election calls {@link setLeader}; listeners hear each real change once.
 */
export abstract class LeaderState {
  private leading = false;
  private readonly listeners = new Set<(leader: boolean) => void>();

  get isLeader(): boolean {
    return this.leading;
  }

  onChange(listener: (leader: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Records the lead; `notify: false` changes it without telling listeners (a replica shutting down). */
  protected setLeader(leader: boolean, notify = true): void {
    if (leader === this.leading) return;
    this.leading = leader;
    if (notify) for (const listener of this.listeners) listener(leader);
  }
}

/** The one registry of a store nobody else shares: leader from the start. */
export class AlwaysLeader extends LeaderState implements Leadership {
  start(): void {
    this.setLeader(true);
  }

  async close(): Promise<void> {
    this.setLeader(false, false);
  }
}
