import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArtifactStore } from './ArtifactStore.js';

let dir: string;
let server: Server;
let base: string;
const payload = Buffer.alloc(300_000, 7);
const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
/** Paths under the test's folder and downloads from its server on loopback. */
const sources = () => ({ allowedDirs: [dir], allowedUrlPrefixes: [`${base}/`], allowHttp: true, allowedNetworks: ['127.0.0.1/32'], maxRedirects: 5 });

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'infermesh-artifacts-'));
  server = createServer((request, response) => {
    if (request.url === '/model.onnx') response.end(payload);
    else if (request.url === '/chunked.onnx') {
      // No content-length: the limit must hold while streaming.
      response.write(payload.subarray(0, 200_000));
      response.end(payload.subarray(200_000));
    } else {
      response.statusCode = 404;
      response.end('no');
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(async () => {
  server?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('ArtifactStore', () => {
  it('copies a file by its sha256 once, however often it is registered', async () => {
    const store = new ArtifactStore({ dir: path.join(dir, 'a'), maxBytes: 1 << 20, downloadTimeoutMs: 5_000, sources: sources() });
    await store.init();
    const source = path.join(dir, 'source.onnx');
    await writeFile(source, payload);
    const first = await store.fromPath(source);
    const stored = path.join(dir, 'a', 'artifacts', `${sha(payload)}.onnx`);
    expect(first).toEqual({ path: stored, location: stored, sha256: sha(payload), sizeBytes: payload.length, created: true });
    expect((await store.fromPath(source)).created).toBe(false);
    expect(await readFile(first.path)).toEqual(payload);
    expect(await readdir(path.join(dir, 'a', 'incoming'))).toEqual([]);
    await expect(store.fromPath(path.join(dir, 'nope.onnx'))).rejects.toMatchObject({
      code: 3,
      details: `artifact: no file at '${path.join(dir, 'nope.onnx')}' within registry.artifacts.allowedDirs (links may not lead out of them)`,
    });
    expect((await stat(path.join(dir, 'a', 'artifacts'))).mode & 0o777).toBe(0o700);
    expect((await stat(first.path)).mode & 0o777).toBe(0o600);
  });

  it('downloads http(s) URLs and refuses errors and artifacts over the limit', async () => {
    const store = new ArtifactStore({ dir: path.join(dir, 'b'), maxBytes: 250_000, downloadTimeoutMs: 5_000, sources: sources() });
    await store.init();
    await expect(store.fromUrl(`${base}/model.onnx`)).rejects.toMatchObject({
      code: 8,
      details: `artifact: ${base}/model.onnx is 300000 bytes; the registry takes at most 250000 bytes, set by registry.maxArtifactBytes`,
    });
    await expect(store.fromUrl(`${base}/chunked.onnx`)).rejects.toMatchObject({ code: 8 });
    await expect(store.fromUrl(`${base}/missing.onnx`)).rejects.toMatchObject({ code: 3, details: `artifact: GET ${base}/missing.onnx answered 404 Not Found` });
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const nobody = `http://127.0.0.1:${(closed.address() as { port: number }).port}/x.onnx`;
    closed.close();
    const toNobody = new ArtifactStore({ dir: path.join(dir, 'b'), maxBytes: 250_000, downloadTimeoutMs: 5_000, sources: { ...sources(), allowedUrlPrefixes: [nobody] } });
    await expect(toNobody.fromUrl(nobody)).rejects.toMatchObject({ code: 14, details: `artifact: could not download ${nobody}: ECONNREFUSED` });
    expect(await readdir(path.join(dir, 'b', 'incoming'))).toEqual([]);
    const roomy = new ArtifactStore({ dir: path.join(dir, 'c'), maxBytes: 1 << 20, downloadTimeoutMs: 5_000, sources: sources() });
    await roomy.init();
    expect(await roomy.fromUrl(`${base}/chunked.onnx`)).toMatchObject({ sha256: sha(payload), sizeBytes: payload.length, created: true });
  });

  it('takes uploads in chunks, checking the declared size first and the bytes that came', async () => {
    const store = new ArtifactStore({ dir: path.join(dir, 'd'), maxBytes: 100, downloadTimeoutMs: 5_000, sources: sources() });
    await store.init();
    async function* chunks(...parts: string[]) {
      for (const part of parts) yield Buffer.from(part);
    }
    expect(await store.fromChunks(chunks('ab', 'cd'), 4, 'up')).toMatchObject({ sha256: sha(Buffer.from('abcd')), sizeBytes: 4 });
    await expect(store.fromChunks(chunks('x'), 101, 'the upload of big.onnx')).rejects.toMatchObject({ code: 8 });
    await expect(store.fromChunks(chunks('abc'), 4, "the upload of 'x.onnx'")).rejects.toMatchObject({
      code: 3,
      details: "artifact: the upload of 'x.onnx' sent 3 bytes, not the 4 it declared",
    });
  });
});
