import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ArtifactSourcesConfig } from '@infermesh/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArtifactStore } from './ArtifactStore.js';
import { ArtifactDownloader } from './download.js';

const payload = Buffer.from('the artifact');
let allowedServer: Server;
let otherServer: Server;
let base: string;
let other: string;
let port: number;
/** Requests each server answered: a refused URL must never reach its server. */
const hits = { allowed: 0, other: 0 };
let dir: string;

async function listen(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as { port: number }).port;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'infermesh-download-'));
  otherServer = createServer((_request, response) => {
    hits.other++;
    response.end('secret from elsewhere');
  });
  other = `http://127.0.0.1:${await listen(otherServer)}`;
  allowedServer = createServer((request, response) => {
    hits.allowed++;
    const redirect = (to: string) => {
      response.writeHead(302, { location: to });
      response.end();
    };
    if (request.url === '/model.onnx') response.end(payload);
    else if (request.url === '/hop') redirect('/model.onnx');
    else if (request.url === '/loop') redirect('/loop');
    else if (request.url === '/to-other') redirect(`${other}/model.onnx`);
    else if (request.url === '/to-metadata') redirect('http://169.254.169.254/latest/meta-data/');
    else if (request.url === '/to-localhost') redirect(`http://localhost:${port}/model.onnx`);
    else if (request.url === '/teapot') {
      response.writeHead(418, 'secret reason', { 'content-type': 'text/plain' });
      response.end('secret body');
    } else if (request.url === '/stall') response.writeHead(200, { 'content-length': '100' }).write('x');
    else response.writeHead(404).end();
  });
  port = await listen(allowedServer);
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  allowedServer?.closeAllConnections();
  allowedServer?.close();
  otherServer?.close();
  await rm(dir, { recursive: true, force: true });
});

/** The test server's prefix over plain http, its loopback address allowed. */
const rules = (overrides: Partial<ArtifactSourcesConfig> = {}) => ({
  allowedUrlPrefixes: [`${base}/`],
  allowHttp: true,
  allowedNetworks: ['127.0.0.1/32'],
  maxRedirects: 5,
  ...overrides,
});

/** `code: details` of the refusal of `url`, or the body when it downloads. */
async function outcome(downloader: ArtifactDownloader, url: string): Promise<string> {
  try {
    const { body } = await downloader.get(url, AbortSignal.timeout(30_000));
    const parts: Buffer[] = [];
    for await (const chunk of body) parts.push(chunk as Buffer);
    return Buffer.concat(parts).toString();
  } catch (error) {
    return `${(error as { code: number }).code}: ${(error as { details: string }).details}`;
  }
}

describe('artifact downloads', () => {
  it('downloads from an allowed prefix and follows redirects that stay inside it', async () => {
    const downloader = new ArtifactDownloader(rules());
    expect(await outcome(downloader, `${base}/model.onnx`)).toBe('the artifact');
    expect(await outcome(downloader, `${base}/hop`)).toBe('the artifact');
  });

  it('refuses URLs outside the prefixes, and any URL when none is configured, before connecting', async () => {
    const before = hits.other;
    expect(await outcome(new ArtifactDownloader(rules()), `${other}/model.onnx`)).toBe(
      `7: artifact: ${other}/model.onnx leads outside the URL prefixes registry.artifacts.allowedUrlPrefixes allows`,
    );
    // A prefix without a path is a whole origin: another host that starts the same is not in it.
    expect(await outcome(new ArtifactDownloader(rules({ allowedUrlPrefixes: ['http://127.0.0.1'] })), `${base}/model.onnx`)).toMatch(/^7: .*allowedUrlPrefixes/);
    expect(await outcome(new ArtifactDownloader(rules({ allowedUrlPrefixes: [] })), `${base}/model.onnx`)).toBe(
      '7: artifact: this registry downloads no URLs (registry.artifacts.allowedUrlPrefixes is empty); upload the file instead (PushVersion, infermesh models push)',
    );
    expect(hits.other).toBe(before);
  });

  it('refuses plain http unless allowHttp', async () => {
    expect(await outcome(new ArtifactDownloader(rules({ allowHttp: false })), `${base}/model.onnx`)).toBe(
      `7: artifact: ${base}/model.onnx is not https; plain http needs registry.artifacts.allowHttp`,
    );
  });

  it('refuses loopback, link-local (cloud metadata) and private addresses unless allowedNetworks names them', async () => {
    const before = hits.allowed;
    const closed = new ArtifactDownloader(rules({ allowedNetworks: [] }));
    expect(await outcome(closed, `${base}/model.onnx`)).toBe(
      `7: artifact: ${base}/model.onnx reaches a loopback address, which registry.artifacts.allowedNetworks does not allow`,
    );
    // Checked on the addresses a name resolves to when connecting, not on the URL's text.
    const byName = `http://localhost:${port}/model.onnx`;
    expect(await outcome(new ArtifactDownloader(rules({ allowedUrlPrefixes: [`http://localhost:${port}/`], allowedNetworks: [] })), byName)).toBe(
      `7: artifact: ${byName} reaches a loopback address, which registry.artifacts.allowedNetworks does not allow`,
    );
    expect(hits.allowed).toBe(before);
    const everywhere = new ArtifactDownloader(rules({ allowedUrlPrefixes: ['http://169.254.169.254/', 'http://10.1.2.3/', 'http://[::ffff:127.0.0.1]/'], allowedNetworks: [] }));
    expect(await outcome(everywhere, 'http://169.254.169.254/latest/meta-data/')).toMatch(/^7: .* reaches a link-local address/);
    expect(await outcome(everywhere, 'http://10.1.2.3/m.onnx')).toMatch(/^7: .* reaches a private address/);
    expect(await outcome(everywhere, 'http://[::ffff:127.0.0.1]/m.onnx')).toMatch(/^7: .* reaches a loopback address/);
  });

  it('checks every redirect like the URL itself: prefix, scheme and address', async () => {
    const before = hits.other;
    expect(await outcome(new ArtifactDownloader(rules()), `${base}/to-other`)).toBe(
      `7: artifact: ${base}/to-other (redirected) leads outside the URL prefixes registry.artifacts.allowedUrlPrefixes allows`,
    );
    expect(hits.other).toBe(before);
    const withMetadata = new ArtifactDownloader(rules({ allowedUrlPrefixes: [`${base}/`, 'http://169.254.169.254/'] }));
    expect(await outcome(withMetadata, `${base}/to-metadata`)).toBe(
      `7: artifact: ${base}/to-metadata (redirected) reaches a link-local address, which registry.artifacts.allowedNetworks does not allow`,
    );
    // A redirect to a name whose addresses are all allowed goes through the same lookup.
    const withLocalhost = new ArtifactDownloader(rules({ allowedUrlPrefixes: [`${base}/`, `http://localhost:${port}/`], allowedNetworks: ['127.0.0.1/32', '::1/128'] }));
    expect(await outcome(withLocalhost, `${base}/to-localhost`)).toBe('the artifact');
    expect(await outcome(new ArtifactDownloader(rules()), `${base}/loop`)).toBe(`7: artifact: ${base}/loop redirects more than registry.artifacts.maxRedirects (5) times`);
  });

  it('names the status of a failed GET without anything the server sent', async () => {
    expect(await outcome(new ArtifactDownloader(rules()), `${base}/teapot`)).toBe(`3: artifact: GET ${base}/teapot answered 418 I'm a Teapot`);
  });

  it('gives up on a download past registry.downloadTimeoutMs', async () => {
    const store = new ArtifactStore({ dir, maxBytes: 1 << 20, downloadTimeoutMs: 200, sources: { ...rules(), allowedDirs: [] } });
    await store.init();
    await expect(store.fromUrl(`${base}/stall`)).rejects.toMatchObject({
      code: 4,
      details: `artifact: downloading ${base}/stall took longer than registry.downloadTimeoutMs`,
    });
  });
});
