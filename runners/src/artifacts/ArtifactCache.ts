/**
 * A runner's copies of the registry's artifacts, `<dir>/<sha256>.onnx`, held to `maxBytes`:
 * a version already cached loads with no download; a missing one is fetched once however
 * many loads ask for it, hashed as it arrives, written to `incoming/`, fsynced and renamed
 * into place only when its sha256 and size match, so no partial or wrong file is ever loaded.
 * Room is made by evicting the least recently used artifacts that no loaded version pins.
 * Replicas of one runner entry may share the folder: each process downloads into its own
 * `incoming/<id>/` and clears only what other processes left there long ago.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import { DATA_DIR_MODE, DATA_FILE_MODE, ServiceError, type Logger } from '@infermesh/common';

/** Where a missing artifact's bytes come from (the registry's FetchArtifact). */
export type ArtifactFetch = (sha256: string, sizeBytes: number) => AsyncIterable<Uint8Array>;

/** An artifact held for a loaded version: it is not evicted until {@link release}. */
export interface CachedArtifact {
  path: string;
  sha256: string;
  release(): void;
}

/** What an {@link ArtifactCache} needs. */
export interface ArtifactCacheOptions {
  dir: string;
  maxBytes: number;
  fetch: ArtifactFetch;
  logger: Logger;
}

interface Entry {
  sizeBytes: number;
  /** Order of last use: higher is more recent (a counter, so that uses within one millisecond keep their order). */
  lastUse: number;
}

const SHA256 = /^[0-9a-f]{64}$/;
const KEY = 'runners[].artifactCache.maxBytes';

/**
 * What another process left in `incoming/` this long ago is from a process that stopped
 * mid-download: a download in progress writes to its file (and folder) far more often.
 */
const STALE_INCOMING_MS = 60 * 60 * 1000;

export class ArtifactCache {
  private readonly entries = new Map<string, Entry>();
  /** sha256 → loaded versions holding it. */
  private readonly pins = new Map<string, number>();
  /** sha256 → its download in flight, which every load of it waits for. */
  private readonly downloads = new Map<string, Promise<void>>();
  /** Bytes promised to downloads in flight. */
  private reservedBytes = 0;
  /** sha256 → the removal of its evicted file, which a new download of it waits for before its rename. */
  private readonly removals = new Map<string, Promise<void>>();
  private ready: Promise<void> | undefined;
  private uses = 0;
  /** This process's own download folder, under `incoming/`. */
  private readonly incoming: string;

  constructor(private readonly options: ArtifactCacheOptions) {
    this.incoming = path.join(options.dir, 'incoming', randomUUID());
  }

  /** Where the artifact `sha256` is (or will be) in the cache. */
  pathOf(sha256: string): string {
    return path.join(this.options.dir, `${sha256}.onnx`);
  }

  /** Bytes of artifacts in the cache, and how many there are. */
  usage(): { bytes: number; artifacts: number } {
    return { bytes: this.cachedBytes(), artifacts: this.entries.size };
  }

  /** True when the cache holds the artifact now. */
  holds(sha256: string): boolean {
    return this.entries.has(sha256);
  }

  /**
   * The artifact `sha256` of `sizeBytes`, pinned until released: from the cache, else
   * fetched. RESOURCE_EXHAUSTED when pinned artifacts leave no room for it; FAILED_PRECONDITION
   * when the fetched bytes are not the artifact; the fetch's own error when it fails.
   */
  async acquire(sha256: string, sizeBytes: number): Promise<CachedArtifact> {
    if (!SHA256.test(sha256)) throw ServiceError.invalidArgument(`artifact_sha256: expected 64 lowercase hex digits, got '${sha256.slice(0, 80)}'`);
    if (sizeBytes > this.options.maxBytes) {
      throw ServiceError.resourceExhausted(`artifact ${sha256} is ${sizeBytes} bytes, more than the whole artifact cache (${KEY} = ${this.options.maxBytes})`);
    }
    await (this.ready ??= this.init());
    this.pin(sha256);
    try {
      await this.present(sha256, sizeBytes);
    } catch (error) {
      this.unpin(sha256);
      throw error;
    }
    let released = false;
    return {
      path: this.pathOf(sha256),
      sha256,
      release: () => {
        if (released) return;
        released = true;
        this.unpin(sha256);
      },
    };
  }

  /** Reads what an earlier run left: artifacts by their last use, minus unfinished downloads. */
  private async init(): Promise<void> {
    await mkdir(this.options.dir, { recursive: true, mode: DATA_DIR_MODE });
    await removeStale(path.dirname(this.incoming), Date.now() - STALE_INCOMING_MS);
    const found: { sha256: string; sizeBytes: number; mtimeMs: number }[] = [];
    for (const name of await readdir(this.options.dir)) {
      const sha256 = name.endsWith('.onnx') ? name.slice(0, -'.onnx'.length) : '';
      if (!SHA256.test(sha256)) continue;
      const file = await stat(path.join(this.options.dir, name)).catch(() => undefined);
      if (file?.isFile()) found.push({ sha256, sizeBytes: file.size, mtimeMs: file.mtimeMs });
    }
    // A file's mtime is its last use in an earlier run (see present()).
    for (const { sha256, sizeBytes } of found.sort((a, b) => a.mtimeMs - b.mtimeMs)) this.entries.set(sha256, { sizeBytes, lastUse: ++this.uses });
    // A smaller maxBytes than last time: trim to it now.
    await this.reserve(0);
  }

  private async present(sha256: string, sizeBytes: number): Promise<void> {
    const entry = this.entries.get(sha256);
    if (entry) {
      entry.lastUse = ++this.uses;
      // The file's mtime carries the order of use across restarts; a failure only costs that.
      const now = new Date();
      await utimes(this.pathOf(sha256), now, now).catch(() => undefined);
      return;
    }
    const running = this.downloads.get(sha256);
    if (running) return running;
    const download = this.download(sha256, sizeBytes).finally(() => this.downloads.delete(sha256));
    this.downloads.set(sha256, download);
    return download;
  }

  private async download(sha256: string, sizeBytes: number): Promise<void> {
    await this.reserve(sizeBytes);
    const temporary = path.join(this.incoming, `${randomUUID()}.part`);
    const started = performance.now();
    try {
      const hash = createHash('sha256');
      let received = 0;
      // Made here, not at start-up: another replica may have cleared an idle process's folder as stale.
      await mkdir(this.incoming, { recursive: true, mode: DATA_DIR_MODE });
      const handle = await open(temporary, 'wx', DATA_FILE_MODE);
      try {
        for await (const chunk of this.options.fetch(sha256, sizeBytes)) {
          received += chunk.byteLength;
          if (received > sizeBytes) throw ServiceError.failedPrecondition(`artifact ${sha256}: the registry sent more than the ${sizeBytes} bytes registered; refused`);
          hash.update(chunk);
          await handle.write(chunk);
        }
        await handle.sync();
      } finally {
        await handle.close();
      }
      if (received !== sizeBytes) throw ServiceError.failedPrecondition(`artifact ${sha256}: the registry sent ${received} bytes, not the ${sizeBytes} registered; refused`);
      const actual = hash.digest('hex');
      if (actual !== sha256) throw ServiceError.failedPrecondition(`artifact ${sha256}: the bytes fetched hash to ${actual}; refused`);
      await this.removals.get(sha256);
      await rename(temporary, this.pathOf(sha256));
      await syncFolder(this.options.dir);
      this.entries.set(sha256, { sizeBytes, lastUse: ++this.uses });
      this.options.logger.info({ sha256, sizeBytes, fetchMs: Math.round(performance.now() - started) }, 'artifact fetched into the cache');
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    } finally {
      this.reservedBytes -= sizeBytes;
    }
  }

  /**
   * Reserves `bytes` for a download, choosing least recently used, unpinned artifacts to evict
   * (synchronously, so two downloads never count the same room), and removes their files.
   * RESOURCE_EXHAUSTED when pinned artifacts and downloads in flight leave too little room.
   */
  private async reserve(bytes: number): Promise<void> {
    const { maxBytes } = this.options;
    const evictable = [...this.entries].filter(([sha256]) => !this.pins.has(sha256)).sort(([, a], [, b]) => a.lastUse - b.lastUse);
    const freeable = evictable.reduce((sum, [, entry]) => sum + entry.sizeBytes, 0);
    let used = this.cachedBytes() + this.reservedBytes;
    if (used - freeable + bytes > maxBytes) {
      throw ServiceError.resourceExhausted(
        `artifact cache full: ${bytes} more bytes do not fit in ${KEY} = ${maxBytes}; ${used - freeable} are held by loaded versions and downloads in flight`,
      );
    }
    const victims: [string, Entry][] = [];
    for (const victim of evictable) {
      if (used + bytes <= maxBytes) break;
      this.entries.delete(victim[0]);
      used -= victim[1].sizeBytes;
      victims.push(victim);
    }
    this.reservedBytes += bytes;
    try {
      await Promise.all(victims.map(([sha256, entry]) => this.evict(sha256, entry)));
    } catch (error) {
      this.reservedBytes -= bytes;
      throw error;
    }
  }

  private async evict(sha256: string, entry: Entry): Promise<void> {
    const removal = rm(this.pathOf(sha256), { force: true });
    this.removals.set(sha256, removal);
    try {
      await removal;
    } finally {
      if (this.removals.get(sha256) === removal) this.removals.delete(sha256);
    }
    this.options.logger.info({ sha256, sizeBytes: entry.sizeBytes }, 'artifact evicted from the cache');
  }

  private cachedBytes(): number {
    let sum = 0;
    for (const entry of this.entries.values()) sum += entry.sizeBytes;
    return sum;
  }

  private pin(sha256: string): void {
    this.pins.set(sha256, (this.pins.get(sha256) ?? 0) + 1);
  }

  private unpin(sha256: string): void {
    const count = (this.pins.get(sha256) ?? 0) - 1;
    if (count > 0) this.pins.set(sha256, count);
    else this.pins.delete(sha256);
  }
}

/** fsyncs a folder, so a rename into it survives a crash. */
async function syncFolder(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Removes what in `folder` was last changed before `beforeMs` (leftovers of stopped processes). */
async function removeStale(folder: string, beforeMs: number): Promise<void> {
  const names = await readdir(folder).catch(() => [] as string[]);
  for (const name of names) {
    const entry = path.join(folder, name);
    const info = await stat(entry).catch(() => undefined);
    if (info && info.mtimeMs < beforeMs) await rm(entry, { recursive: true, force: true });
  }
}
