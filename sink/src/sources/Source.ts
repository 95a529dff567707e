/** A live input: something that subscribes to a broker and hands each message to a MessageHandler. */

export interface Source {
  readonly name: string;
  /** Resolves once the source is subscribed (messages published before that may be missed). */
  readonly ready: Promise<void>;
  /** Stops taking messages, lets those in hand finish, disconnects. */
  close(): Promise<void>;
}
