/**
 * The `s3` artifact store against an S3-compatible server: s3rver (a Node implementation of
 * the S3 REST API that checks SigV4 signatures), or the store INFERMESH_TEST_S3_ENDPOINT
 * names (a real MinIO). Artifacts round-trip by sha256, a second put creates nothing, a
 * missing object reads as absent, a wrong bucket or wrong credentials stop init with a
 * message naming the bucket, and the registry's ingest leaves no staging copy behind.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactStoreSchema, type S3ArtifactStoreConfig } from '@infermesh/common';
import { startS3StandIn, type S3StandIn } from '@infermesh/testkit';
import { ArtifactStore } from '../ArtifactStore.js';
import { S3ArtifactBackend } from './S3ArtifactBackend.js';

let s3: S3StandIn;
let dir: string;
const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** A backend on its own prefix, so that tests never see each other's objects (also on a shared MinIO). */
function backendOf(overrides: Partial<S3ArtifactStoreConfig> = {}, credentials = s3.credentials): S3ArtifactBackend {
  const config = artifactStoreSchema.parse({
    type: 's3',
    bucket: s3.bucket,
    prefix: `test-${randomUUID()}/`,
    endpoint: s3.endpoint,
    forcePathStyle: true,
    ...overrides,
  }) as S3ArtifactStoreConfig;
  return new S3ArtifactBackend(config, { credentials });
}

async function read(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}

beforeAll(async () => {
  s3 = await startS3StandIn();
  dir = await mkdtemp(path.join(tmpdir(), 'infermesh-s3-backend-'));
}, 60_000);

afterAll(async () => {
  await s3?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('S3ArtifactBackend', () => {
  it('stores an artifact under <prefix><sha256>.onnx, reads it back, and stores it once', async () => {
    const backend = backendOf();
    await backend.init();
    const bytes = randomBytes(3 * 1024 * 1024 + 17);
    const file = path.join(dir, 'a.part');
    await writeFile(file, bytes);
    expect(await backend.put(file, sha(bytes), bytes.length)).toEqual({ created: true });
    expect(await backend.put(file, sha(bytes), bytes.length)).toEqual({ created: false });
    expect(backend.locationOf(sha(bytes))).toMatch(new RegExp(`^s3://${s3.bucket}/test-[0-9a-f-]+/${sha(bytes)}\\.onnx$`));

    const reader = await backend.open(sha(bytes));
    expect(reader?.sizeBytes).toBe(bytes.length);
    expect(sha(await read(reader!.body))).toBe(sha(bytes));

    await backend.remove(sha(bytes));
    expect(await backend.open(sha(bytes))).toBeUndefined();
    // Removing what is not there is fine.
    await backend.remove(sha(bytes));
    backend.close();
  });

  it('stops init with a message naming the bucket when it does not exist or the credentials are wrong', async () => {
    const missing = backendOf({ bucket: 'no-such-bucket-here' });
    await expect(missing.init()).rejects.toThrow(/^registry\.artifacts\.store: cannot reach bucket s3:\/\/no-such-bucket-here\/test-.* \(HTTP 404\)$/);
    missing.close();
    const stranger = backendOf({}, { accessKeyId: 'nobody', secretAccessKey: 'wrong' });
    await expect(stranger.init()).rejects.toThrow(/cannot reach bucket .*HTTP 403/);
    stranger.close();
  });

  it('takes registrations through the registry’s ingest, leaving no copy on the registry’s disk', async () => {
    const backend = backendOf();
    const store = new ArtifactStore({
      dir: path.join(dir, 'registry'),
      maxBytes: 1 << 24,
      downloadTimeoutMs: 5_000,
      sources: { allowedDirs: [dir], allowedUrlPrefixes: [], allowHttp: false, allowedNetworks: [], maxRedirects: 0 },
      backend,
    });
    await store.init();
    const bytes = randomBytes(200_000);
    const source = path.join(dir, 'model.onnx');
    await writeFile(source, bytes);
    const stored = await store.fromPath(source);
    expect(stored).toMatchObject({ location: backend.locationOf(sha(bytes)), sha256: sha(bytes), sizeBytes: bytes.length, created: true, staged: true });
    // The staging copy is what the registry reads the signature from, until released.
    expect(await readFile(stored.path)).toEqual(bytes);
    await store.release(stored);
    expect(await readdir(path.join(dir, 'registry', 'incoming'))).toEqual([]);
    expect(sha(await read((await store.open(sha(bytes)))!.body))).toBe(sha(bytes));

    const again = await store.fromPath(source);
    expect(again).toMatchObject({ created: false, staged: true });
    await store.discard(again);
    // Not created by that registration: still there.
    expect(await store.open(sha(bytes))).toBeDefined();
    await store.discard(stored);
    expect(await store.open(sha(bytes))).toBeUndefined();
    expect(await readdir(path.join(dir, 'registry', 'incoming'))).toEqual([]);
    store.close();
  });
});
