/**
 * Follows one etcd key or prefix (the registry's state, a folder of members): reads it whole (or starts at a given revision), then
 * watches every change after that revision, in order, each once. After a disconnect the
 * watch resumes from the last revision this follower saw (not the client's own guess, which
 * can run ahead of the events delivered); a watch etcd cancels (its start revision was
 * compacted away) or a handler that failed makes it read the range whole again and go on
 * from there.
 */
import type { EventEmitter } from 'node:events';
import type { Etcd3, IKeyValue } from 'etcd3';
import type { Logger } from '../log/logger.js';
import { abortableSleep } from '../retry/abortable-sleep.js';

/** The range followed: one key, or every key under a prefix. */
export type FollowRange = { key: string } | { prefix: string };

/** What the follower hands on; each may be async, and each call ends before the next starts. */
export interface FollowHandlers {
  /** The range as it is at `revision`: first (without a start revision) and after a compaction. */
  snapshot(kvs: IKeyValue[], revision: number): Promise<void> | void;
  /** One change after the last snapshot or change. */
  change(type: 'put' | 'delete', kv: IKeyValue): Promise<void> | void;
}

/** Where to start and what to call the follower in logs. */
export interface FollowOptions {
  /** The first revision to watch from; absent: a snapshot first. */
  fromRevision?: number;
  what: string;
  logger: Logger;
}

/** Follows `range` until the returned function is called. */
export function followEtcd(client: Etcd3, range: FollowRange, handlers: FollowHandlers, options: FollowOptions): () => void {
  const controller = new AbortController();
  void run(client, range, handlers, options, controller.signal);
  return () => controller.abort();
}

async function run(client: Etcd3, range: FollowRange, handlers: FollowHandlers, options: FollowOptions, signal: AbortSignal): Promise<void> {
  // The last revision handed on (or snapshotted); undefined: read the range whole next.
  let seen = options.fromRevision === undefined ? undefined : options.fromRevision - 1;
  let failures = 0;
  while (!signal.aborted) {
    try {
      if (seen === undefined) {
        const answer = await ('key' in range ? client.get(range.key) : client.getAll().prefix(range.prefix)).exec();
        const revision = Number(answer.header.revision);
        await handlers.snapshot(answer.kvs, revision);
        seen = revision;
      }
      await watchFrom(client, range, handlers, signal, () => seen!, (revision) => {
        seen = revision;
        failures = 0;
      });
    } catch (error) {
      if (signal.aborted) return;
      failures += 1;
      // etcd cancels a watch whose start revision it compacted away (the client's error does not
      // say why); after any cancel, or a handler that failed, the range is read whole again.
      seen = undefined;
      options.logger.warn({ err: error, failures }, `following ${options.what} in etcd failed; reading it again`);
      await abortableSleep(Math.min(10_000, 50 * 2 ** failures) * (0.5 + Math.random() / 2), signal);
    }
  }
}

/** One watcher from `seen() + 1`; settles when it is cancelled by etcd (rejects), a handler fails (rejects) or `signal` aborts. */
async function watchFrom(client: Etcd3, range: FollowRange, handlers: FollowHandlers, signal: AbortSignal, seen: () => number, saw: (revision: number) => void): Promise<void> {
  const builder = client.watch();
  ('key' in range ? builder.key(range.key) : builder.prefix(range.prefix)).startRevision(String(seen() + 1));
  const watcher = builder.watcher();
  let handling: Promise<void> = Promise.resolve();
  let failed = false;
  let cancelled = false;
  let settled = () => {};
  try {
    await new Promise<void>((resolve, reject) => {
      // The client re-creates the watch after a disconnect from the revision after the last
      // response's header, which can be past events not yet delivered: resume from ours.
      (watcher as EventEmitter).on('connecting', (request: { start_revision?: string | number }) => {
        request.start_revision = String(seen() + 1);
      });
      watcher.on('data', (response) => {
        for (const event of response.events) {
          const revision = Number(event.kv.mod_revision);
          if (revision <= seen()) continue;
          saw(revision);
          const type = event.type === 'Delete' ? 'delete' : 'put';
          handling = handling
            .then(() => (failed ? undefined : handlers.change(type, event.kv)))
            .catch((error: unknown) => {
              failed = true;
              reject(new Error(`the change at revision ${revision} could not be taken in: ${(error as Error)?.message ?? String(error)}`, { cause: error }));
            });
        }
      });
      watcher.on('error', (error: Error) => {
        cancelled = true;
        reject(error);
      });
      const stop = () => resolve();
      signal.addEventListener('abort', stop, { once: true });
      settled = () => signal.removeEventListener('abort', stop);
    });
  } finally {
    settled();
    // A watch etcd cancelled is gone from the client already (cancelling it again would wait forever).
    if (!cancelled) await watcher.cancel().catch(() => undefined);
    // What the old watcher handed on is taken in before anything newer.
    await handling;
  }
}
