/** The one interface every destination implements, and what it is handed. */
import type { SinkDocument } from '../record/record-document.js';

/** One spooled entry on its way to a destination. */
export interface DeliveryItem {
  /** Spool sequence number. */
  seq: number;
  /** The record id: destinations de-duplicate on it where they can. */
  id: string;
  /** The document as spooled (JSON text), so destinations need not serialize it again. */
  json: string;
  document: SinkDocument;
}

/** A place records go: a file, a webhook, a table, a stream. */
export interface Destination {
  /**
   * Delivers one batch, in order; resolves once the destination holds every item. Throws a
   * DeliveryError saying whether trying again may help; any other error counts as retryable.
   * `signal` aborts when the sink shuts down.
   */
  deliver(items: readonly DeliveryItem[], signal: AbortSignal): Promise<void>;
  /** Releases connections and files. */
  close(): Promise<void>;
}
