/**
 * How registry replicas that share a store tell each other which runners heartbeat to them,
 * so that every replica routes (and the leader places on) every live runner, whichever
 * replica it talks to. A store one registry uses needs none.
 */
import type { Logger } from '@infermesh/common';

/** One replica's side of the exchange. */
export interface ReplicaPresence {
  /** Starts publishing, and hears the other replicas' runners: `onRemote` gets their union on each change. */
  start(onRemote: (runners: Set<string>) => void): void;
  /** The runners this replica holds leases for now (published soon, coalesced). */
  publish(runners: string[]): void;
  /** Stops; what this replica published goes at once. */
  close(): Promise<void>;
}

/** Builds a store's presence for the replica that serves at `holder` (host:port). */
export type PresenceFactory = (holder: string, logger: Logger) => ReplicaPresence;
