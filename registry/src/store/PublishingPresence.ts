/**
 * What the presences of shared stores (Consul, etcd) have in common: this replica's runners
 * are written soon after each change, one write at a time, a burst of changes coalesced into
 * one more write, a failed write retried; and another replica's value is read the same way.
 * A backend gives the write and the following of the others.
 */
import { abortableSleep, type Logger } from '@infermesh/common';
import type { ReplicaPresence } from '../placement/ReplicaPresence.js';

/** Wait before a failed write is tried again. */
const RETRY_MS = 1_000;
/** Most runner names taken from one replica's value. */
const MAX_RUNNERS = 100_000;

export abstract class PublishingPresence implements ReplicaPresence {
  private runners: string[] = [];
  private writing: Promise<void> = Promise.resolve();
  private dirty = false;
  protected readonly stopping = new AbortController();

  protected constructor(
    /** This replica's address, written beside its runners for operators. */
    protected readonly holder: string,
    protected readonly logger: Logger,
  ) {}

  abstract start(onRemote: (runners: Set<string>) => void): void;
  abstract close(): Promise<void>;
  /** Writes this replica's value (its runners, as JSON) where the other replicas read it. */
  protected abstract write(value: string): Promise<void>;

  publish(runners: string[]): void {
    this.runners = [...runners];
    this.schedule();
  }

  /** Writes the runners soon; writes never overlap, and a burst of changes makes one more write. */
  protected schedule(): void {
    if (this.stopping.signal.aborted) return;
    this.dirty = true;
    this.writing = this.writing.then(() => this.flush());
  }

  /** `onRemote`, called only when the set of the other replicas' runners really changed. */
  protected onChangeOnly(onRemote: (runners: Set<string>) => void): (runners: Set<string>) => void {
    let last = '';
    return (runners) => {
      const json = JSON.stringify([...runners].sort());
      if (json === last) return;
      last = json;
      onRemote(runners);
    };
  }

  /** Stops writing; resolves once the write in flight is done. */
  protected async stopWriting(): Promise<void> {
    this.stopping.abort();
    await this.writing;
  }

  private async flush(): Promise<void> {
    if (!this.dirty || this.stopping.signal.aborted) return;
    this.dirty = false;
    try {
      await this.write(JSON.stringify({ holder: this.holder, runners: this.runners }));
    } catch (error) {
      if (this.stopping.signal.aborted) return;
      this.logger.warn({ err: error }, "could not publish this replica's runners; retrying");
      await abortableSleep(RETRY_MS, this.stopping.signal);
      this.schedule();
    }
  }
}

/** The runner names in a replica's value; nothing for a value that is not one. */
export function publishedRunners(value: string): string[] {
  try {
    const runners = (JSON.parse(value) as { runners?: unknown }).runners;
    return Array.isArray(runners) ? runners.filter((runner): runner is string => typeof runner === 'string').slice(0, MAX_RUNNERS) : [];
  } catch {
    return [];
  }
}
