/**
 * Cached answers of the runner's model versions (Triton's response cache): each version that
 * opts in has its own least-recently-used map, held to its own byte budget, and all of them
 * together to the runner's. A version's entries are never read by another version, and go
 * when it unloads.
 */
import type { ModelInferResponse } from '@infermesh/proto';

/** Bytes charged per entry beyond its output bytes: the key, the response object, the map slot. */
const ENTRY_OVERHEAD_BYTES = 256;

/** Counters of one version's cache, for Status and the metrics. */
export interface ResponseCacheStats {
  hits: number;
  misses: number;
  evictions: number;
  /** Bytes held now (outputs plus a fixed overhead per entry). */
  bytes: number;
  entries: number;
}

interface Entry {
  response: ModelInferResponse;
  bytes: number;
  /** When it was last read or written, on the runner's clock: the runner-wide eviction takes the oldest. */
  used: number;
}

/** The runner's budget over every version's cache. */
export class ResponseCacheBudget {
  private readonly caches = new Set<VersionResponseCache>();
  private clock = 0;
  bytes = 0;

  constructor(readonly maxBytes: number) {}

  /** A cache for one version, held to `maxBytes` of its own. */
  open(maxBytes: number): VersionResponseCache {
    const cache = new VersionResponseCache(Math.min(maxBytes, this.maxBytes), this);
    this.caches.add(cache);
    return cache;
  }

  /** @internal */
  tick(): number {
    return ++this.clock;
  }

  /** @internal Forgets a closed cache. */
  release(cache: VersionResponseCache): void {
    this.caches.delete(cache);
  }

  /** @internal Evicts the runner's least recently used entries until its caches fit its budget. */
  fit(): void {
    while (this.bytes > this.maxBytes) {
      let oldest: VersionResponseCache | undefined;
      for (const cache of this.caches) {
        const used = cache.oldestUse();
        if (used !== undefined && (!oldest || used < oldest.oldestUse()!)) oldest = cache;
      }
      if (!oldest) return;
      oldest.evictOldest();
    }
  }
}

/** One version's cached answers by request key, least recently used first. */
export class VersionResponseCache {
  private readonly entries = new Map<string, Entry>();
  private closed = false;
  readonly stats: ResponseCacheStats = { hits: 0, misses: 0, evictions: 0, bytes: 0, entries: 0 };

  constructor(
    readonly maxBytes: number,
    private readonly budget: ResponseCacheBudget,
  ) {}

  /** The answer cached for `key`, now the most recently used; counts a hit or a miss. */
  get(key: string): ModelInferResponse | undefined {
    const entry = this.entries.get(key);
    if (!entry) {
      this.stats.misses++;
      return undefined;
    }
    this.stats.hits++;
    this.entries.delete(key);
    entry.used = this.budget.tick();
    this.entries.set(key, entry);
    return entry.response;
  }

  /** Keeps `response` for `key`, evicting what it must; an answer larger than the version's budget is not kept. */
  put(key: string, response: ModelInferResponse): void {
    let bytes = ENTRY_OVERHEAD_BYTES + key.length;
    for (const raw of response.raw_output_contents ?? []) bytes += typeof raw === 'string' ? Buffer.byteLength(raw) : raw.byteLength;
    if (this.closed || bytes > this.maxBytes || this.entries.has(key)) return;
    this.entries.set(key, { response, bytes, used: this.budget.tick() });
    this.charge(bytes, 1);
    while (this.stats.bytes > this.maxBytes) this.evictOldest();
    this.budget.fit();
  }

  /** @internal When its least recently used entry was used; undefined when empty. */
  oldestUse(): number | undefined {
    for (const entry of this.entries.values()) return entry.used;
    return undefined;
  }

  /** @internal Drops the least recently used entry. */
  evictOldest(): void {
    for (const [key, entry] of this.entries) {
      this.entries.delete(key);
      this.charge(-entry.bytes, -1);
      this.stats.evictions++;
      return;
    }
  }

  /** Drops every entry and leaves the runner's budget: the version is unloading. */
  close(): void {
    this.closed = true;
    this.charge(-this.stats.bytes, -this.stats.entries);
    this.entries.clear();
    this.budget.release(this);
  }

  private charge(bytes: number, entries: number): void {
    this.stats.bytes += bytes;
    this.stats.entries += entries;
    this.budget.bytes += bytes;
  }
}
