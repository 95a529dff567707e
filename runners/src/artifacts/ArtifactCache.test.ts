/**
 * The runner's artifact cache over a real folder: a cached artifact is served with no
 * fetch (also after a restart), eviction takes the least recently used artifact that no
 * loaded version holds, a full cache refuses, and bytes that are not the artifact (wrong
 * hash, wrong size, a fetch cut short) never land in the cache. Concurrent loads of one
 * artifact fetch it once.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, ServiceError, silentLogger } from '@infermesh/common';
import { waitFor } from '@infermesh/testkit';
import { ArtifactCache, type ArtifactFetch } from './ArtifactCache.js';

const KiB = 1024;
const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Artifacts the "registry" holds, by sha256, and how often each was fetched. */
class Source {
  readonly blobs = new Map<string, Buffer>();
  readonly fetches = new Map<string, number>();
  /** Resolves the fetches held back by {@link hold}. */
  private gate: Promise<void> | undefined;
  release: () => void = () => {};

  add(sizeBytes: number): { sha256: string; sizeBytes: number; bytes: Buffer } {
    const bytes = randomBytes(sizeBytes);
    this.blobs.set(sha(bytes), bytes);
    return { sha256: sha(bytes), sizeBytes, bytes };
  }

  hold(): void {
    this.gate = new Promise((resolve) => (this.release = resolve));
  }

  fetch: ArtifactFetch = (sha256) => {
    this.fetches.set(sha256, (this.fetches.get(sha256) ?? 0) + 1);
    const bytes = this.blobs.get(sha256);
    const gate = this.gate;
    return (async function* () {
      if (!bytes) throw ServiceError.notFound(`artifact ${sha256}: no registered version has this sha256`);
      await gate;
      for (let offset = 0; offset < bytes.length; offset += 16 * KiB) yield bytes.subarray(offset, offset + 16 * KiB);
    })();
  };
}

let dir: string;
let source: Source;
const cacheOf = (maxBytes: number, fetch: ArtifactFetch = source.fetch) => new ArtifactCache({ dir, maxBytes, fetch, logger: silentLogger() });
const cachedFiles = async () => (await readdir(dir)).filter((name) => name.endsWith('.onnx')).sort();
/** Unfinished downloads, in any process's folder under incoming/. */
const partials = async () => (await readdir(path.join(dir, 'incoming'), { recursive: true }).catch(() => [] as string[])).filter((name) => name.endsWith('.part'));
const codeOf = async (promise: Promise<unknown>) => promise.then(() => undefined, (error: ServiceError) => ({ code: error.code, details: error.details }));

beforeEach(async () => {
  dir = path.join(await mkdtemp(path.join(tmpdir(), 'infermesh-cache-')), 'cache');
  source = new Source();
});

afterEach(async () => {
  await rm(path.dirname(dir), { recursive: true, force: true });
});

describe('ArtifactCache', () => {
  it('fetches an artifact once, verifies it, and serves it from the cache afterwards, also after a restart', async () => {
    const a = source.add(100 * KiB);
    const cache = cacheOf(1024 * KiB);
    const first = await cache.acquire(a.sha256, a.sizeBytes);
    expect(first.path).toBe(path.join(dir, `${a.sha256}.onnx`));
    expect(await readFile(first.path)).toEqual(a.bytes);
    first.release();
    const second = await cache.acquire(a.sha256, a.sizeBytes);
    second.release();
    expect(source.fetches.get(a.sha256)).toBe(1);

    const restarted = cacheOf(1024 * KiB);
    const third = await restarted.acquire(a.sha256, a.sizeBytes);
    expect(await readFile(third.path)).toEqual(a.bytes);
    expect(source.fetches.get(a.sha256)).toBe(1);
    expect(restarted.usage()).toEqual({ bytes: 100 * KiB, artifacts: 1 });
  });

  it('evicts the least recently used artifact no loaded version holds to stay within maxBytes', async () => {
    const [a, b, c, d] = [source.add(100 * KiB), source.add(100 * KiB), source.add(100 * KiB), source.add(100 * KiB)];
    const cache = cacheOf(250 * KiB);
    (await cache.acquire(a!.sha256, a!.sizeBytes)).release();
    (await cache.acquire(b!.sha256, b!.sizeBytes)).release();
    // a is used again: b is now the least recently used.
    (await cache.acquire(a!.sha256, a!.sizeBytes)).release();
    (await cache.acquire(c!.sha256, c!.sizeBytes)).release();
    expect(await cachedFiles()).toEqual([`${a!.sha256}.onnx`, `${c!.sha256}.onnx`].sort());
    expect(cache.usage().bytes).toBeLessThanOrEqual(250 * KiB);

    // a is held by a loaded version: c goes, though a was used before it.
    const held = await cache.acquire(a!.sha256, a!.sizeBytes);
    const stamp = await cache.acquire(c!.sha256, c!.sizeBytes);
    stamp.release();
    (await cache.acquire(d!.sha256, d!.sizeBytes)).release();
    expect(await cachedFiles()).toEqual([`${a!.sha256}.onnx`, `${d!.sha256}.onnx`].sort());
    expect(await readFile(held.path)).toEqual(a!.bytes);
    held.release();
  });

  it('refuses an artifact when the artifacts of loaded versions leave no room, naming the limit', async () => {
    const [a, b, c] = [source.add(100 * KiB), source.add(100 * KiB), source.add(100 * KiB)];
    const cache = cacheOf(250 * KiB);
    const heldA = await cache.acquire(a!.sha256, a!.sizeBytes);
    const heldB = await cache.acquire(b!.sha256, b!.sizeBytes);
    const refused = await codeOf(cache.acquire(c!.sha256, c!.sizeBytes));
    expect(refused?.code).toBe(ErrorCode.RESOURCE_EXHAUSTED);
    expect(refused?.details).toMatch(/^artifact cache full: 102400 more bytes do not fit in runners\[\]\.artifactCache\.maxBytes = 256000; 204800 are held/);
    expect(source.fetches.get(c!.sha256)).toBeUndefined();
    expect(await cachedFiles()).toEqual([`${a!.sha256}.onnx`, `${b!.sha256}.onnx`].sort());

    const tooLarge = await codeOf(cache.acquire(source.add(300 * KiB).sha256, 300 * KiB));
    expect(tooLarge).toMatchObject({ code: ErrorCode.RESOURCE_EXHAUSTED, details: expect.stringContaining('more than the whole artifact cache') });

    // Once a version lets go of its artifact, there is room again.
    heldB.release();
    (await cache.acquire(c!.sha256, c!.sizeBytes)).release();
    expect(await cachedFiles()).toEqual([`${a!.sha256}.onnx`, `${c!.sha256}.onnx`].sort());
    heldA.release();
  });

  it('refuses bytes whose sha256 or size is not the artifact’s, leaving no file behind', async () => {
    const a = source.add(64 * KiB);
    const other = randomBytes(64 * KiB);
    const wrongBytes: ArtifactFetch = async function* () {
      yield other;
    };
    const cache = cacheOf(1024 * KiB, wrongBytes);
    const mismatch = await codeOf(cache.acquire(a.sha256, a.sizeBytes));
    expect(mismatch).toEqual({ code: ErrorCode.FAILED_PRECONDITION, details: `artifact ${a.sha256}: the bytes fetched hash to ${sha(other)}; refused` });

    const longer: ArtifactFetch = async function* () {
      yield a.bytes;
      yield Buffer.from([0]);
    };
    const tooMany = await codeOf(cacheOf(1024 * KiB, longer).acquire(a.sha256, a.sizeBytes));
    expect(tooMany).toMatchObject({ code: ErrorCode.FAILED_PRECONDITION, details: expect.stringContaining('sent more than the 65536 bytes registered') });

    const shorter: ArtifactFetch = async function* () {
      yield a.bytes.subarray(0, 1000);
    };
    const tooFew = await codeOf(cacheOf(1024 * KiB, shorter).acquire(a.sha256, a.sizeBytes));
    expect(tooFew).toMatchObject({ code: ErrorCode.FAILED_PRECONDITION, details: expect.stringContaining('sent 1000 bytes, not the 65536 registered') });

    const cut: ArtifactFetch = async function* () {
      yield a.bytes.subarray(0, 1000);
      throw ServiceError.unavailable('the registry went away');
    };
    const broken = await codeOf(cacheOf(1024 * KiB, cut).acquire(a.sha256, a.sizeBytes));
    expect(broken).toEqual({ code: ErrorCode.UNAVAILABLE, details: 'the registry went away' });

    expect(await cachedFiles()).toEqual([]);
    expect(await partials()).toEqual([]);
    // The cache still works: the right bytes are taken.
    const good = await cacheOf(1024 * KiB).acquire(a.sha256, a.sizeBytes);
    expect(await readFile(good.path)).toEqual(a.bytes);
  });

  it('fetches an artifact once for concurrent loads of it, and each load holds it', async () => {
    const a = source.add(200 * KiB);
    const cache = cacheOf(1024 * KiB);
    source.hold();
    const loads = Array.from({ length: 5 }, () => cache.acquire(a.sha256, a.sizeBytes));
    source.release();
    const held = await Promise.all(loads);
    expect(source.fetches.get(a.sha256)).toBe(1);
    expect(new Set(held.map((h) => h.path)).size).toBe(1);
    expect(await readFile(held[0]!.path)).toEqual(a.bytes);

    // Four of five let go: the artifact is still held, so a new one cannot evict it.
    for (const h of held.slice(1)) h.release();
    const b = source.add(900 * KiB);
    expect((await codeOf(cache.acquire(b.sha256, b.sizeBytes)))?.code).toBe(ErrorCode.RESOURCE_EXHAUSTED);
    held[0]!.release();
    (await cache.acquire(b.sha256, b.sizeBytes)).release();
    expect(await cachedFiles()).toEqual([`${b.sha256}.onnx`]);
  });

  it('shares its folder with a replica: a cache starting up beside a download in flight leaves it alone', async () => {
    const a = source.add(100 * KiB);
    const b = source.add(100 * KiB);
    source.hold();
    const first = cacheOf(1024 * KiB).acquire(a.sha256, a.sizeBytes);
    await waitFor(async () => (await partials()).length === 1, 5_000, "the first cache's download to start");
    // A second process's cache on the same folder starts (and downloads) while the first one's download waits.
    const second = cacheOf(1024 * KiB).acquire(b.sha256, b.sizeBytes);
    await waitFor(async () => (await partials()).length === 2, 5_000, "the second cache's download to start beside it");
    expect(await partials()).toHaveLength(2);
    source.release();
    expect(await readFile((await first).path)).toEqual(a.bytes);
    expect(await readFile((await second).path)).toEqual(b.bytes);
    expect(await partials()).toEqual([]);
  });

  it('refuses a malformed sha256 before fetching anything', async () => {
    const cache = cacheOf(1024 * KiB);
    expect(await codeOf(cache.acquire('ABC', 10))).toMatchObject({ code: ErrorCode.INVALID_ARGUMENT, details: expect.stringContaining('artifact_sha256') });
    expect(source.fetches.size).toBe(0);
  });
});
