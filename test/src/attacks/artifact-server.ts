/**
 * The web servers of the artifact attacks: one on 127.0.0.1 (an allowed URL prefix, its
 * address allowed by registry.artifacts.allowedNetworks) that serves a model and redirects to
 * loopback and to the cloud metadata address, and one on 127.0.0.2 (a loopback address the
 * config does not allow) that counts the requests reaching it: a refused download never does.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';

export interface ArtifactServers {
  /** `http://127.0.0.1:<port>`: /model.onnx, /to-loopback, /to-metadata. */
  allowed: string;
  /** `http://127.0.0.2:<port>`: /model.onnx, never to be reached. */
  loopback: string;
  /** Requests that reached the 127.0.0.2 server. */
  loopbackHits(): number;
  close(): void;
}

async function listen(server: Server, host: string): Promise<string> {
  server.listen(0, host);
  await once(server, 'listening');
  return `http://${host}:${(server.address() as { port: number }).port}`;
}

export async function startArtifactServers(model: Uint8Array): Promise<ArtifactServers> {
  let hits = 0;
  const target = createServer((_request, response) => {
    hits++;
    response.end(model);
  });
  const loopback = await listen(target, '127.0.0.2');
  const redirects: Record<string, string> = { '/to-loopback': `${loopback}/model.onnx`, '/to-metadata': 'http://169.254.169.254/latest/meta-data/' };
  const origin = createServer((request, response) => {
    const location = redirects[request.url ?? ''];
    if (location) response.writeHead(302, { location }).end();
    else if (request.url === '/model.onnx') response.end(model);
    else response.writeHead(404).end();
  });
  const allowed = await listen(origin, '127.0.0.1');
  return {
    allowed,
    loopback,
    loopbackHits: () => hits,
    close() {
      for (const server of [origin, target]) {
        server.closeAllConnections();
        server.close();
      }
    },
  };
}
